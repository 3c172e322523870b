"""Everything that knows Dask: the session (`_session`, its workers' preload `_worker`),
metadata (`_meta`, `_graph`, `_common`), DAGs (`_dag` over expressions `_expr_dag` or
high-level graphs `_hlg_dag`, grouped into `_units`), progress (`_progress` through the
scheduler plugin `_plugin`; `_local_progress` for the threaded scheduler). Each builds
`lazyscope.model` objects; the engine registry (`lazyscope.engines`) and the views reach them
by name, so `import lazyscope` stays light."""
