"""(to come)"""

urlpatterns: list = []
