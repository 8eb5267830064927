"""Counting visits without tracking people: page views, searches and storefront visits per day, in aggregate.

No cookie, no IP address, no user agent is stored: only (day, kind, shop, key) -> count.
"""
