"""The document stage: a spec file read within limits, parsed safely, checked and normalised.

Every command starts here (`load_document`), and nothing downstream changes what it returns.
"""
