"""Every outbound connection Herald makes, and the one policy that decides where it may go.

`policy.EgressPolicy` holds the rule (internal ranges denied unless `HERALD_EGRESS_ALLOW`
lists them); `policy.EgressPolicy.resolve` turns a host into the addresses that may be
connected to, after DNS; `http.http_client` is the only way product code builds an HTTP
client (connections checked after resolution, on every hop, no cookie jar), and
`policy.EgressPolicy.open_socket` the only way it opens a raw TCP connection (SMTP).
"""
