"""Config as code: `herald config export / check / apply / import-alertmanager` (docs/migrating-from-alertmanager.md).

* `document.py` — the YAML document (`routes`, `inhibit_rules`, `time_intervals`, `silences`), parsed with the
  API's own schemas, its problems named by YAML path (`inhibit_rules[0].source_matchers`).
* `plan.py` — what an apply would change on the server: pure, from the document and the server's state.
* `alertmanager.py` — an alertmanager.yml turned into a document and the channels it needs, with every field
  that has no Herald equivalent reported by its path.
* `client.py` — the REST client (`--url`, `--api-key`); `commands.py` — the commands, over the above.
"""
