"""The engine-neutral half of plotting, below the engine packages that build on it.

What a plot asks (`_spec`: Spec, View, Range and their checks) and what every back-end
offers (`_backend`); Datashader on one pandas partition (`_frames`); per-pixel states that
combine (`_partials`: merged by an engine's workers, or scattered from its aggregate rows),
coarsened and finished on the driver (`_states`) and kept as zoom pyramids (`_pyramid`);
line plots' per-column min/max/first/last (`_m4`, merged like `_partials`) and their
Dataset (`_line`); superseded requests (`_requests`); our work named in the user's words
(`_work`); start-up costs overlapped with work (`_warm`).

The engine packages build their plot back-ends from these pieces, and
`lazyscope.plotting` (the widget, figure and shading) consumes what they return: that is
why this layer sits below both, and imports neither an engine nor a view.
"""

__all__: list[str] = []
