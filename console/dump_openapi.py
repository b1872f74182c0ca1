"""Write Herald's OpenAPI document to console/openapi.json, the source of the console's typed client.

`make console-schema` runs it, then openapi-typescript (src/api/schema.ts); `make test` does the same and
fails if either file changed (the console and the API cannot drift). The document does not depend on the
settings' values, so defaults are used; nothing is connected (the app's lifespan is not run).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from pydantic import SecretStr

from api.app import create_app
from models.secrets import new_secret_key
from settings import Settings

TARGET = Path(__file__).resolve().parent / "openapi.json"


def main() -> int:
    settings = Settings(_env_file=None).model_copy(update={"secret_key": SecretStr(new_secret_key())})
    document = create_app(settings).openapi()
    TARGET.write_text(json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    print(f"wrote {TARGET} ({len(document['paths'])} paths)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
