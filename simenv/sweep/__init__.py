"""``simenv sweep SPEC.yaml``: domain-randomization sweeps (train at DR strength a, test at b).

A spec (YAML, see ``examples/sweep_dr.yaml``) names an environment, agents, seeds and two sets
of DR axes, one for training and one for testing::

    name: dr-strength              # optional; default output folder sweeps/NAME
    env: simenv/TransparentGrasp-v0
    env_kwargs: {camera_size: [32, 32]}  # common to training and testing
    agents:                        # algo: bc | affordance | ppo | sac | expert; optional name,
      - {algo: bc, overrides: {bc.episodes: 50}}  # steps (ppo/sac), config (YAML), overrides,
                                                  # train (its own train axes, see Trials)
      - {algo: expert}
    train: {dr_scale: [0.0, 1.0, 2.0]}
    test:
      dr_scale: [0.0, 0.5, 1.0, 2.0]
      lighting.intensity: [[0.8, 1.2], [0.3, 2.0]]
    seeds: [0, 1]
    episodes: 20                   # test episodes per (trial, test point)
    search: grid                   # or random, with samples: N (and search_seed)
    split: test                    # evaluation split (held-out layouts / styles)
    eval_seed: 0                   # episode seed of the first test episode
    metric: success                # plotted metric
    translators: {frames: 300, config: {cyclegan: {iterations: 600}}}  # for a translator axis

Axes. ``dr_scale`` is the env kwarg; ``randomization`` sets the preset, a dict or a YAML path;
any other name is a DR parameter of the env (``gym.make(id).unwrapped.randomizer.names``;
``fnmatch`` patterns work) and goes into a ``randomization`` override dict on top of the preset,
so its value is anything such an override takes: ``[low, high]``, a fixed value, ``null``
(nominal) or a ``{dist: ...}`` mapping. Like every range, an override range is scaled by the
point's ``dr_scale`` (0 collapses it to the nominal value clipped into it). With
``search: grid`` an axis is a *list of points* (``lighting.intensity: [[0.8, 1.2]]`` is one
range; ``[0.8, 1.2]`` two fixed values; a non-list is one point) and the points are the
Cartesian product of the axes. With ``search: random`` each of ``samples`` points draws every
axis from ``{low, high}`` (uniform; ``log: true`` for log-uniform; rounded to 4 significant
digits) or uniformly from a list; the draws come from ``search_seed``, so a rerun plans the
same points. Missing ``train`` / ``test`` sections mean one point: the conditions as
configured. A section may also be a *list* of such axis sets: its points are the union of
theirs (``test: [{dr_scale: [0, 2]}, {look: pseudo_real, translator: [none, fda]}]`` is four
points, not eight).

Study axes. ``look: pseudo_real`` replaces the randomization with the family's pseudo-real look
(:func:`simenv.real2sim.pseudo_real.pseudo_real_look`; ``sim`` leaves it). ``translator``
(test only: ``none``, ``stats``, ``fda``, ``cyclegan``) puts
:class:`~simenv.real2sim.wrappers.RealToSimWrapper` between the env and the learned policy
(the expert reads the state, so it is not wrapped). Before the first trial the sweep builds
each named translator once, in ``translators/<method>/``, with
:func:`simenv.real2sim.pipeline.train_translator`: ``translators.frames`` pseudo-real frames of
expert episodes from seed ``translators.real_seed`` (the "real" camera) against as many
nominal simulator frames from ``translators.sim_seed``, at ``env_kwargs.camera_size`` (which a
translator axis therefore needs); ``translators.config.<method>`` holds the method's settings.
A translator whose settings are unchanged is reused on a rerun; a changed one is rebuilt, and
the test points through it are evaluated again (its settings are part of their test key).

Trials. A trial is (agent, train point, seed): it trains once (``simenv.agents.train``; the
expert needs no training and ignores the train axes), then evaluates on every test point with
``simenv.agents.evaluate``. An agent's own ``train`` (same form as the section) replaces the
sweep's train axes for that agent; ``train: {}`` trains it once per seed as its config says,
for a policy whose training conditions are not a point on the grid (an ADR config:
``examples/study_driving_adr.yaml``). Training conditions are the agent's config
``env_kwargs``, then the spec's ``env_kwargs``, then the train point. Test conditions are set
from scratch, never inherited from the train point: ``randomization: default``,
``dr_scale: 1``, then the spec's ``env_kwargs``, then the test point. The test episodes of
seed ``s`` use episode seeds ``eval_seed + s * episodes`` onwards: the same episodes for every
agent and train point (paired comparisons), different ones per seed (so expert seeds add
episodes).

Output folder (``--out``, default ``sweeps/NAME``)::

    spec.yaml                      the validated spec
    trials/<trial id>/run/         the training run folder (policy.pt or model.zip, curves)
    trials/<trial id>/trial.json   what the trial is (agent, seed, train point, kwargs)
    trials/<trial id>/result.json  one row per test point; written last: the resume marker
    trials/<trial id>/error.txt    the traceback of a failed trial
    translators/<method>/          translator.pt, samples.png, built.json (its settings)
    translators/real_frames.npz    the pseudo-real frames the translators were built from
    results.csv, results.parquet   one row per (trial, test point); Parquet if pyarrow imports
    heatmap_<metric>.png           mean over seeds: rows train point, columns test point, per agent
    <metric>_vs_<column>.png       metric vs each train/test axis with the 95 % CI band

Trial ids are ``<agent>-s<seed>-<hash>`` of everything that defines the training, so a rerun
skips trials whose ``result.json`` covers every test point, reuses a finished training when
only test points were added, and runs whatever the edited spec added. Success CIs pool the
episodes of all seeds (Wilson); other metrics use mean ± 1.96 standard errors over rows.

Backends. ``local`` (default) runs trials in-process with ``workers=1``, else in a
``ProcessPoolExecutor`` of ``spawn`` processes (torch threads split between them). ``ray`` runs
the same trials through Ray Tune (a function trainable over ``tune.grid_search`` of trial ids,
1 CPU each) on the Ray instance already initialised in this process, else on ``address`` (a
cluster; every node needs simenv installed and the output folder on a shared file system),
else on a local instance with ``workers`` CPUs. A trial whose Ray worker dies (killed, out of
memory, a node lost) is restarted up to ``RAY_RETRIES`` times; it keeps a finished training.
Both backends read results from the same ``result.json`` files, so resuming works the same
way. On a cluster: ``ray start --head`` on one machine, ``ray start --address HEAD:6379`` on
the others, then ``simenv sweep SPEC --backend ray --address HEAD:6379 --out /shared/path``
(docs/dr_study.md, "Scaling out").
"""

from .plan import EvalPoint, Trial, plan
from .plots import plot_results
from .results import SweepResult, collect, write_results
from .run import is_finished, run_sweep, run_trial
from .spec import AgentSpec, SweepSpec, load_sweep

__all__ = [
    "AgentSpec",
    "EvalPoint",
    "SweepResult",
    "SweepSpec",
    "Trial",
    "collect",
    "is_finished",
    "load_sweep",
    "plan",
    "plot_results",
    "run_sweep",
    "run_trial",
    "write_results",
]
