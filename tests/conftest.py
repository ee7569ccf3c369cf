"""The slow tests first: with the suite on every core (pytest-xdist), one that starts last
would keep a core busy alone at the end."""


def pytest_collection_modifyitems(items):
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)  # stable: else in order
