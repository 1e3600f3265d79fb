"""The static runtime of every generated package.

`_runtime.py`, `_response.py`, `_validation.py`, `_exceptions.py` and `_base_model.py` are
copied verbatim into each generated package (after the generated-file header line). They hold no per-API text: what
differs between APIs comes from the package's `_config.py`, rendered from
`templates/package/src/_config.py.jinja`. The `_config.py` here carries neutral defaults so the
modules import and type-check inside specforge itself.
"""
