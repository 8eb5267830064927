"""A territory's host, /panier/paiement/: the online payment step of a checkout."""

urlpatterns: list = []
