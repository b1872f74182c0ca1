"""Request and response bodies (`XxxCreate` / `XxxUpdate` / `XxxOut`), apart from tables."""
