"""The shipped scenarios, as the package ``sim.scenarios`` (pyproject.toml maps this folder), so
they are found from any folder through importlib.resources: sim/shipped.py."""
