"""The consultant's dashboard: a Solara app over the model and experiments wings.

``crmsim dashboard [SCENARIO]`` (:mod:`sim.cli.dashboard`) serves :mod:`sim.dashboard.app`. Its
inputs are declared as data (:mod:`sim.dashboard.inputs`, built from the parameter table, as Mesa's
SolaraViz takes a ``model_params`` dict); the page's settings become a scenario TOML
(:mod:`sim.dashboard.settings`) that is loaded and validated by the same ``load_scenario`` the
command line uses; one run goes through ``sim.run`` and the odds through
``sim.experiments.sweep.compare`` (:mod:`sim.dashboard.odds`). Each ordering runs as its scenario
file defines it, on the client's profile (:mod:`sim.dashboard.orderings`,
:mod:`sim.dashboard.traits`). Everything it writes stays inside its results folder.
"""

#: Environment variables ``crmsim dashboard`` sets for the server (read by sim.dashboard.state).
ENV_SCENARIO = "CRMSIM_DASHBOARD_SCENARIO"
ENV_RESULTS = "CRMSIM_DASHBOARD_RESULTS"
ENV_WORKERS = "CRMSIM_DASHBOARD_WORKERS"
ENV_REPLICATES = "CRMSIM_DASHBOARD_REPLICATES"
ENV_POSTERIOR = "CRMSIM_DASHBOARD_POSTERIOR"
