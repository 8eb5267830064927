"""Issue #10's security fixes, one module per topic.

A package (unlike the other test folders) so that its test_isolation.py does not clash with
tests/tenancy/test_isolation.py under pytest's default import mode.
"""
