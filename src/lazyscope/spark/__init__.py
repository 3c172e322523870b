"""Everything that knows Spark, classic and Connect: sessions (`_session`, `_connect`, the
quiet JVM `_jvm`, Java `_java`), metadata (`_meta`, from the explain text read by `_explain`
into `_plan_facts`), DAGs (`_dag`, `_plan_dag`, the executed plan `_executed` from the UI's
REST API `_rest`), progress (`_progress`, `_connect_progress`, call sites `_call_site`) and
error messages (`_errors`). Each builds `lazyscope.model` objects; the engine registry
(`lazyscope.engines`) and the views reach them by name, so `import lazyscope` stays light."""
