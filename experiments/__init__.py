"""The shipped experiment files, as the package ``sim.experiment_files`` (pyproject.toml maps this
folder), so they are found from any folder through importlib.resources: sim/shipped.py."""
