"""Writes the tutorial notebooks (outputs cleared) from the cells below.

    python notebooks/make_notebooks.py            # all of them
    python notebooks/make_notebooks.py 01 03      # some of them

Edit the cells here, re-run, and commit both this file and the .ipynb files.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
NOTEBOOKS: dict[str, list[tuple[str, str]]] = {}


def notebook(name: str, *cells: tuple[str, str]) -> None:
    NOTEBOOKS[name] = list(cells)


def md(text: str) -> tuple[str, str]:
    return ("markdown", textwrap.dedent(text).strip())


def code(text: str, *, expect_stderr: bool = False) -> tuple[str, str]:
    """A code cell; ``expect_stderr`` for a cell whose stderr the tutorial announces
    (tagged, so the browser test of the tutorials lets that cell's stderr through)."""
    return ("code-stderr" if expect_stderr else "code", textwrap.dedent(text).strip())


def scale_cell(sizes: str) -> tuple[str, str]:
    head = """
        import os

        # 1 = the full-size tutorial; CI runs every notebook with a small scale.
        SCALE = float(os.environ.get("LAZYSCOPE_TUTORIAL_SCALE", "1"))
        """
    return code(textwrap.dedent(head) + textwrap.dedent(sizes))


# --------------------------------------------------------------------------------------------
notebook(
    "01-getting-started",
    md(
        """
        # 1 · Getting started: Spark and Dask in a notebook

        You know pandas. Your data stopped fitting in memory, or your laptop's eight cores sit
        idle while one of them grinds through a `groupby`. The two big answers in Python are
        **Apache Spark** and **Dask**. Both are *lazy* and *distributed*: you describe a
        computation, an engine plans it, and workers run it in pieces (partitions) in parallel.

        **lazyscope** makes both feel native in Jupyter:

        * `%%spark` and `%%dask` give you a real session with one line,
        * every cell shows **what a lazy result is** (schema, partitions, plan) without
          computing it, and **how a computation is going** while it runs,
        * the **Clusters** panel in the left sidebar lists every cluster and session.

        In this notebook: start a local Dask cluster and a local Spark session, run something on
        each, check their status, and see how you would connect to a real cluster instead.
        Everything runs on your machine (or on Binder); nothing is downloaded.
        """
    ),
    scale_cell(
        """
        ROWS = int(2_000_000 * SCALE)  # rows of generated data
        print(f"SCALE={SCALE}: {ROWS:,} rows")
        """
    ),
    md(
        """
        ## Load the extension

        One line, once per notebook. It registers the `%spark` and `%dask` magics and the rich
        displays for Spark and Dask objects.
        """
    ),
    code("%load_ext lazyscope"),
    md(
        """
        ## A local Dask cluster

        `%dask start` starts a `distributed.LocalCluster` — a scheduler and worker processes on
        this machine — and puts a connected `client` in your namespace. We keep it small
        (two workers with one thread each) so it is friendly to laptops and Binder.
        """
    ),
    code("%dask start --workers 2 --threads 1 --memory 1GiB"),
    md(
        """
        The **dashboard** link opens Dask's own live dashboard (task stream, memory per worker).
        `%dask status` shows the same summary at any time.

        Now some work. A `%%dask` cell runs its code with a Dask client ensured (it would start
        one if there was none), shows **live progress for the tasks this cell runs**, and leaves
        a short summary behind: how many tasks of each kind ran, and how long they took.
        """
    ),
    code(
        """
        %%dask
        import dask.array as da

        # A ROWS x 10 array of random numbers, cut into chunks of 100k rows.
        x = da.random.default_rng(42).random((ROWS, 10), chunks=(100_000, 10))
        column_means = x.mean(axis=0)
        column_means.compute()
        """
    ),
    md(
        """
        Each chunk is a task; the scheduler spreads them across the two workers and combines the
        partial means in a small tree. Nothing happened when we *defined* `x` and
        `column_means` — only `.compute()` ran the work. Without `.compute()`, the cell shows
        what the result *is*:
        """
    ),
    code("column_means"),
    md(
        """
        ## A local Spark session

        `%spark start --master local[2]` starts Spark in this kernel (a JVM, driver and
        executors in one process, with 2 cores) and puts `spark` (a `SparkSession`) and `sc`
        (its `SparkContext`) in your namespace. `--conf` passes any Spark setting; with little
        data, a few shuffle partitions is faster than Spark's default of 200.
        """
    ),
    code("%spark start --master local[2] --name getting-started --conf spark.sql.shuffle.partitions=4"),
    md(
        """
        A `%%spark` cell runs its code with Spark's jobs tagged to the cell, shows their live
        progress and, when the last line is a DataFrame, shows it **lazily**: columns, types,
        partitions and the plan — not data, so it costs nothing.
        """
    ),
    code(
        """
        %%spark
        from pyspark.sql import functions as F

        events = (
            spark.range(ROWS)
            .withColumn("user", (F.col("id") % 1000).cast("int"))
            .withColumn("amount", F.round(F.rand(seed=1) * 100, 2))
        )
        per_user = events.groupBy("user").agg(F.count("*").alias("n"), F.sum("amount").alias("total"))
        per_user
        """
    ),
    md(
        """
        To see rows, ask for them: `.show()`, `.limit(n).toPandas()` or `.collect()` are
        *actions* — they run a Spark job, and the cell's progress view shows it.
        """
    ),
    code(
        """
        %%spark
        per_user.orderBy(F.desc("total")).show(5)
        """
    ),
    md(
        """
        Prefer SQL? `%%spark --sql` runs the cell as Spark SQL. `-o NAME` stores the result
        DataFrame in a variable, still lazy.
        """
    ),
    code(
        """
        per_user.createOrReplaceTempView("per_user")
        """
    ),
    code(
        """
        %%spark --sql -o big_spenders
        SELECT user, n, total
        FROM per_user
        WHERE total > (SELECT avg(total) FROM per_user)
        ORDER BY total DESC
        """
    ),
    code("big_spenders.limit(3).toPandas()"),
    code("%spark status"),
    md(
        """
        ## The Clusters panel

        In JupyterLab, open the **Clusters** panel in the left sidebar. It lists every Spark
        and Dask cluster this Jupyter server knows about, including the two sessions this
        notebook just started, with their workers, cores, memory and a link to each dashboard
        (opened in a lab tab). From the panel you can also start a new cluster, scale it, stop
        it, and insert the code that connects a notebook to it.

        ## Connecting to a real cluster

        On a laptop, local sessions are all you need. On a cluster, point the same magics at it:

        ```
        %dask connect tcp://scheduler.example.org:8786      # a running Dask scheduler
        %spark start --remote sc://spark.example.org:15002  # a Spark Connect server
        %spark start --master spark://master.example.org:7077   # Spark standalone
        %spark start --master yarn                           # YARN, k8s://... likewise
        ```

        Everything else in these tutorials stays the same. Let us try `%dask connect` for
        real: we start a scheduler *outside* the magics (as a colleague or a cluster manager
        would) and connect to it by address. Magics expand `{variables}`, so the address can
        come from Python.
        """
    ),
    code(
        """
        %dask stop
        from distributed import LocalCluster

        # Stands in for a scheduler running somewhere else.
        shared = LocalCluster(n_workers=1, threads_per_worker=1, memory_limit="1GiB",
                              dashboard_address=":0", processes=True)
        address = shared.scheduler_address
        address
        """
    ),
    code("%dask connect {address}"),
    code(
        """
        %%dask
        client.submit(sum, range(10)).result()
        """
    ),
    md(
        """
        ## Clean up

        Stop what you started: `%spark stop` and `%dask stop` end the sessions (the kernel
        also stops them when it shuts down). `%dask stop` on a connected client only
        disconnects; the shared scheduler is its owner's to close.
        """
    ),
    code(
        """
        %dask stop
        %spark stop
        shared.close()
        """
    ),
    md(
        """
        **Next:** [2 · Lazy by design](02-lazy-by-design.ipynb) — what Spark and Dask show you
        instead of data, and how to read it.
        """
    ),
)


# --------------------------------------------------------------------------------------------
notebook(
    "02-lazy-by-design",
    md(
        """
        # 2 · Lazy by design: metadata, plans and the advisor

        > *pandas shows a sample of the data; Dask and PySpark show metadata.*

        A pandas DataFrame *is* its data, in memory, so printing one shows rows. A Spark or Dask
        DataFrame is a **recipe**: where the data comes from and what to do with it. Printing it
        can only show what is known without running the recipe — the columns, their types, how
        the data is split — because showing rows would mean running a job, possibly over
        terabytes.

        That metadata is more useful than it looks, if it is rich and free. In this notebook:

        1. what pandas, Dask and Spark show for the same data,
        2. `lazyscope.describe`: the metadata view (never computes),
        3. plans and task graphs: what will run,
        4. `lazyscope.advise`: performance traps found in the plan, before you pay for them,
        5. what *does* trigger computation.
        """
    ),
    scale_cell(
        """
        ROWS = int(5_000_000 * SCALE)
        print(f"SCALE={SCALE}: {ROWS:,} rows")
        """
    ),
    code(
        """
        %load_ext lazyscope
        %dask start --workers 2 --threads 1 --memory 1GiB
        %spark start --master local[2] --name lazy-by-design --conf spark.sql.shuffle.partitions=4
        """
    ),
    md(
        """
        ## The same data, three ways

        Some sales records: a store, a product category, a price and a quantity. In pandas it is
        built in memory, right now:
        """
    ),
    code(
        """
        import numpy as np
        import pandas as pd

        rng = np.random.default_rng(0)
        n = 100_000  # pandas keeps this small: it is all in memory
        sales_pd = pd.DataFrame({
            "store": rng.integers(0, 50, n),
            "category": rng.choice(["books", "games", "music", "toys"], n),
            "price": rng.gamma(2.0, 10.0, n).round(2),
            "quantity": rng.integers(1, 5, n),
        })
        sales_pd
        """
    ),
    md(
        """
        Dask builds the same kind of table lazily, partition by partition: `from_map` calls a
        function once per partition, on the workers, only when something needs the data. The
        display is metadata: columns, dtypes, the number of partitions.
        """
    ),
    code(
        """
        import dask.dataframe as dd

        PARTS = 8
        ROWS_PER_PART = max(ROWS // PARTS, 1)

        def make_sales(seed, n=ROWS_PER_PART):
            rng = np.random.default_rng(seed)
            return pd.DataFrame({
                "store": rng.integers(0, 50, n),
                "category": rng.choice(["books", "games", "music", "toys"], n),
                "price": rng.gamma(2.0, 10.0, n).round(2),
                "quantity": rng.integers(1, 5, n),
            })

        sales_dd = dd.from_map(make_sales, range(PARTS))
        sales_dd
        """
    ),
    md(
        """
        Spark is the same idea: `spark.range` plus column expressions is a plan, not data.
        """
    ),
    code(
        """
        from pyspark.sql import functions as F

        categories = F.array(*[F.lit(c) for c in ["books", "games", "music", "toys"]])
        sales_sp = (
            spark.range(ROWS)
            .withColumn("store", (F.rand(1) * 50).cast("int"))
            .withColumn("category", categories[(F.rand(2) * 4).cast("int")])
            .withColumn("price", F.round(-F.log(F.rand(3)) * 20, 2))
            .withColumn("quantity", (F.rand(4) * 4 + 1).cast("int"))
            .drop("id")
        )
        sales_sp
        """
    ),
    md(
        """
        ## `lazyscope.describe`: everything known for free

        After `%load_ext lazyscope`, Spark and Dask objects display as a metadata card (that is
        what you saw above). `lazyscope.describe(obj)` returns the same view explicitly, for
        any DataFrame, Array, Bag or Delayed. It reads the schema, the partitioning, the plan
        (or task graph) and the optimizer's size estimate — and **never runs a job**.

        Look at: the column types (did the CSV reader guess right?), the number of partitions
        compared to the number of cores (2–3 tasks per core keeps every core busy), and the
        plan at the bottom.
        """
    ),
    code(
        """
        import lazyscope

        revenue_sp = (
            sales_sp.withColumn("revenue", F.col("price") * F.col("quantity"))
            .groupBy("category")
            .agg(F.sum("revenue").alias("revenue"), F.count("*").alias("orders"))
        )
        lazyscope.describe(revenue_sp)
        """
    ),
    code(
        """
        revenue_dd = (
            sales_dd.assign(revenue=sales_dd.price * sales_dd.quantity)
            .groupby("category")
            .agg({"revenue": "sum", "quantity": "count"})
        )
        lazyscope.describe(revenue_dd)
        """
    ),
    md(
        """
        ## Plans and task graphs: what will run

        Both engines optimise your recipe before running it. Spark's `explain()` prints the
        physical plan — read it bottom-up; an `Exchange` is a **shuffle**, where rows move
        between partitions (the expensive part of a `groupBy` or `join`).
        """
    ),
    code("revenue_sp.explain()"),
    md(
        """
        Dask DataFrames are expressions too; `.explain()` draws the optimised expression tree
        and `.dask` is the low-level task graph — one task per partition per step. Count the
        tasks before you run them:
        """
    ),
    code(
        """
        revenue_dd.optimize().pprint()
        print(len(revenue_dd.dask), "tasks in the graph")
        """
    ),
    md(
        """
        `lazyscope.dag(obj)` draws the same as a DAG — without running anything. For Dask,
        `level="optimized"` shows the expression graph, `"layers"` the graph layers and
        `"tasks"` every task ("Dask created a DAG with 99 nodes" is fine, so is 99 000);
        for Spark, `"optimized"` or `"physical"` plans, and `"executed"` the stages of jobs that
        already ran. In a cell, `%%spark --dag` or `%%dask --dag` shows the last value's DAG.
        """
    ),
    code("lazyscope.dag(revenue_dd)"),
    code('lazyscope.dag(revenue_sp, level="physical")'),
    md(
        """
        ## The advisor: traps found before you pay for them

        `lazyscope.advise(obj)` reads the same metadata and returns findings: a rule id, a
        severity, what it found, where, and how to fix it. The describe card lists them too.
        Here are classic traps from Spark and Dask talks, each caught without running anything.
        """
    ),
    code(
        """
        def show_advice(obj):
            findings = lazyscope.advise(obj)
            for f in findings:
                print(f"[{f.severity}] {f.rule}: {f.message}\\n    fix: {f.fix}")
            if not findings:
                print("no findings")

        # 1. A row-at-a-time Python UDF: every row is serialised to a Python worker and back.
        @F.udf("double")
        def with_tax(price):
            return price * 1.2

        show_advice(sales_sp.select(with_tax("price").alias("gross")))
        """
    ),
    code(
        """
        # 2. Dropping to RDDs: the optimizer cannot see inside Python lambdas.
        show_advice(sales_sp.rdd.map(lambda row: row.price * row.quantity).toDF("double"))
        """
    ),
    code(
        """
        # 3. A join without a condition: every row of one side meets every row of the other.
        stores = spark.range(50).withColumnRenamed("id", "store_id")
        show_advice(sales_sp.crossJoin(stores))
        """
    ),
    code(
        """
        # 4. Thousands of tiny partitions: per-task overhead dominates.
        show_advice(dd.from_pandas(sales_pd, npartitions=500))
        """
    ),
    code(
        """
        # 5. Joining on a column: both sides are shuffled.
        store_names = dd.from_pandas(
            pd.DataFrame({"store": range(50), "name": [f"store {i}" for i in range(50)]}),
            npartitions=2,
        )
        show_advice(sales_dd.merge(store_names, on="store"))
        """
    ),
    code(
        """
        # 6. A big pandas object inside the graph: pickled through the scheduler to the workers.
        lookup = pd.DataFrame({"key": np.arange(2_000_000), "weight": 1.0})
        show_advice(dd.from_pandas(lookup, npartitions=4))
        """
    ),
    md(
        """
        Findings are hints, not errors: a shuffle in a `groupBy` is often exactly what you
        want. What matters is knowing it is there before the job runs.

        ## What triggers computation

        Building, describing, explaining and advising are free. These run the work:

        | | Spark | Dask |
        |---|---|---|
        | bring results to the kernel | `.collect()`, `.toPandas()`, `.show()`, `.count()`, `.first()` | `.compute()`, `len(ddf)`, `.head()`, `print(ddf.x.sum().compute())` |
        | write results | `.write.parquet(...)` | `.to_parquet(...)` |
        | keep in memory for reuse | `.cache()` then an action | `.persist()` |

        (For 6, the fix is to let the workers create or read the data — `dd.from_map`,
        `dd.read_parquet` — as we did for `sales_dd`, or to `client.scatter` it once.)

        Inside a `%%spark` or `%%dask` cell, the progress view tells you what actually ran: a
        cell that only builds and describes shows no jobs at all. This one runs both engines:
        """
    ),
    code(
        """
        %%spark
        revenue_sp.orderBy(F.desc("revenue")).toPandas()
        """
    ),
    code(
        """
        %%dask
        revenue_dd.compute().sort_values("revenue", ascending=False)
        """
    ),
    md(
        """
        `head()` is cheap in both engines because it only needs the first partition — a
        good habit when you just want to look at a few rows:
        """
    ),
    code("sales_dd.head(3)"),
    code("sales_sp.limit(3).toPandas()"),
    code(
        """
        %spark stop
        %dask stop
        """
    ),
    md(
        """
        **Next:** [3 · Five ways to process data with Spark from Python](03-five-ways-spark.ipynb).
        """
    ),
)


# --------------------------------------------------------------------------------------------
notebook(
    "03-five-ways-spark",
    md(
        """
        # 3 · Five ways to process data with Spark from Python

        PySpark gives you (at least) five ways to write the same computation. They give the same
        answer and very different speed, because they differ in **where your code runs**:

        | way | where the work happens |
        |---|---|
        | 1. RDDs with lambdas | Python worker processes, one row (a pickled object) at a time |
        | 2. DataFrame functions | the JVM, optimised by Catalyst, compiled to bytecode — no Python at all |
        | 3. pandas API on Spark | translated to DataFrame plans (mostly JVM) with pandas syntax |
        | 4. Python UDFs | the JVM plans, but every row is shipped to Python and back |
        | 5. pandas UDFs | Python, but on whole Arrow batches, vectorised with pandas/NumPy |

        We run one task all five ways — convert temperature readings from Fahrenheit to
        Celsius and average them per sensor — time them, and let the advisor explain the
        difference. Rule of thumb from every Spark performance talk: **use DataFrame
        functions; when you need Python, use pandas UDFs.**
        """
    ),
    scale_cell(
        """
        ROWS = int(5_000_000 * SCALE)
        SENSORS = 100
        print(f"SCALE={SCALE}: {ROWS:,} readings from {SENSORS} sensors")
        """
    ),
    code(
        """
        %load_ext lazyscope
        %spark start --master local[2] --name five-ways --conf spark.sql.shuffle.partitions=4
        """
    ),
    code(
        """
        import time

        import pandas as pd
        from pyspark.sql import functions as F

        import lazyscope

        readings = (
            spark.range(ROWS)
            .withColumn("sensor", (F.col("id") % SENSORS).cast("int"))
            .withColumn("temp_f", F.round(F.randn(seed=7) * 15 + 60, 1))
        ).cache()
        readings.count()  # materialise the cache, so every way below reads the same data
        readings
        """
    ),
    md(
        """
        A little helper records how long each way takes: wall clock on the same cached data,
        best of two runs, so one-off costs (starting Python workers, compiling code) do not
        count against whichever way happens to go first.
        """
    ),
    code(
        """
        timings = {}

        def timed(name, run, repeat=2):
            best = float("inf")
            for _ in range(repeat):
                start = time.perf_counter()
                result = run()
                best = min(best, time.perf_counter() - start)
            timings[name] = best
            print(f"{name}: {best:.2f} s")
            return result
        """
    ),
    md(
        """
        ## 1 · RDDs

        The oldest API: a distributed collection of Python objects. Every row is turned into a
        Python `Row`, pickled, passed to your lambda in a Python worker, and the results pickled
        back. Spark cannot see inside the lambdas, so it cannot optimise anything.
        """
    ),
    code(
        """
        def rdd_way():
            sums = (
                readings.rdd.map(lambda r: (r.sensor, ((r.temp_f - 32) * 5 / 9, 1)))
                .reduceByKey(lambda a, b: (a[0] + b[0], a[1] + b[1]))
                .mapValues(lambda s: s[0] / s[1])
            )
            return sorted(sums.collect())

        rdd_result = timed("1 RDD", rdd_way)
        rdd_result[:3]
        """
    ),
    md(
        """
        ## 2 · DataFrame functions

        Column expressions (`F.col`, arithmetic, `F.avg`) are not Python code that runs per
        row: they build a plan that Spark's optimizer compiles to JVM bytecode. Python only
        describes the work.
        """
    ),
    code(
        """
        def to_celsius(col):
            return (col - 32) * 5 / 9

        df_way = readings.groupBy("sensor").agg(F.avg(to_celsius(F.col("temp_f"))).alias("temp_c"))
        df_way
        """
    ),
    code('df_result = timed("2 DataFrame", lambda: df_way.orderBy("sensor").toPandas())'),
    md(
        """
        ## 3 · pandas API on Spark

        `pyspark.pandas` lets you write pandas code that Spark executes. Under the hood each
        operation becomes a DataFrame plan, so it is close to way 2 — plus some bookkeeping for
        pandas semantics such as the index.
        (Spark prints an advice warning on `to_pandas`: it reminds you that it brings the whole
        result to the driver — fine here, the result has one row per sensor.)
        """
    ),
    code(
        """
        import os
        os.environ.setdefault("PYARROW_IGNORE_TIMEZONE", "1")  # silences a pyarrow notice
        import pyspark.pandas as ps

        def pandas_on_spark_way():
            psdf = readings.pandas_api(index_col="id")
            psdf["temp_c"] = (psdf["temp_f"] - 32) * 5 / 9
            return psdf.groupby("sensor")["temp_c"].mean().sort_index().to_pandas()

        ps_result = timed("3 pandas API on Spark", pandas_on_spark_way)
        ps_result.head(3)
        """,
        expect_stderr=True,
    ),
    md(
        """
        ## 4 · Python UDFs

        A user-defined function in plain Python, applied to a column. Convenient, but Spark
        sends every value to a Python worker and back, one row at a time.
        """
    ),
    code(
        """
        @F.udf("double")
        def to_celsius_udf(temp_f):
            return (temp_f - 32) * 5 / 9

        udf_way = readings.groupBy("sensor").agg(F.avg(to_celsius_udf("temp_f")).alias("temp_c"))
        udf_result = timed("4 Python UDF", lambda: udf_way.orderBy("sensor").toPandas())
        """
    ),
    md(
        """
        ## 5 · pandas UDFs

        Same Python, but the function receives a whole `pandas.Series` (an Arrow batch of
        thousands of rows) and returns one. The arithmetic is vectorised NumPy; the transfer is
        columnar Arrow, not pickled rows.
        """
    ),
    code(
        """
        @F.pandas_udf("double")
        def to_celsius_pandas(temp_f: pd.Series) -> pd.Series:
            return (temp_f - 32) * 5 / 9

        pandas_udf_way = readings.groupBy("sensor").agg(
            F.avg(to_celsius_pandas("temp_f")).alias("temp_c")
        )
        pandas_udf_result = timed("5 pandas UDF", lambda: pandas_udf_way.orderBy("sensor").toPandas())
        """
    ),
    md(
        """
        ## Same answer?

        Five ways, one result (up to floating-point rounding):
        """
    ),
    code(
        """
        import numpy as np

        expected = df_result["temp_c"].to_numpy()
        for name, values in {
            "RDD": [v for _, v in rdd_result],
            "pandas API on Spark": ps_result.to_numpy(),
            "Python UDF": udf_result["temp_c"],
            "pandas UDF": pandas_udf_result["temp_c"],
        }.items():
            assert np.allclose(values, expected), name
        print("all five agree")
        """
    ),
    md(
        """
        ## Who wins, and why

        Times relative to the DataFrame way (1.0×). Expect DataFrame functions and the pandas
        API on Spark to be fastest, pandas UDFs close behind, and the row-at-a-time ways (RDD,
        Python UDF) several times slower — the gap widens with more data (try
        `LAZYSCOPE_TUTORIAL_SCALE=4`). On tiny data, fixed per-job costs blur the picture.
        """
    ),
    code(
        """
        summary = pd.DataFrame({"seconds": timings}).sort_values("seconds")
        summary["vs DataFrame"] = (summary["seconds"] / timings["2 DataFrame"]).round(1)
        summary
        """
    ),
    md(
        """
        The advisor spots the slow patterns from the plan alone — before you run them:
        """
    ),
    code(
        """
        for name, frame in {
            "Python UDF": udf_way,
            "RDD": readings.rdd.map(lambda r: (r.sensor, (r.temp_f - 32) * 5 / 9)).toDF(["sensor", "temp_c"]),
            "pandas UDF": pandas_udf_way,
            "DataFrame": df_way,
        }.items():
            print(f"--- {name}")
            for f in lazyscope.advise(frame):
                print(f"[{f.severity}] {f.rule}: {f.message}")
        """
    ),
    md(
        """
        Notice that the advisor also reports the **shuffle** in every `groupBy`: that one is
        necessary (rows of a sensor must meet), and it is the same in all five ways.

        ### Take-aways

        * Reach for **DataFrame functions** first; `pyspark.sql.functions` has hundreds.
        * Need pandas or NumPy logic? Use a **pandas UDF** (or `mapInPandas` /
          `applyInPandas`, see tutorial 6), not a row-at-a-time UDF.
        * Spark ≥ 3.5 can run plain Python UDFs over Arrow (`F.udf(..., useArrow=True)`),
          which narrows the gap, but still calls your function once per row.
        * Avoid `.rdd` in PySpark unless you truly need arbitrary Python objects.
        """
    ),
    code(
        """
        readings.unpersist()
        %spark stop
        """
    ),
    md(
        """
        **Next:** [4 · Dask for pandas and NumPy users](04-dask-for-pandas-and-numpy-users.ipynb).
        """
    ),
)


# --------------------------------------------------------------------------------------------
notebook(
    "04-dask-for-pandas-and-numpy-users",
    md(
        """
        # 4 · Dask for pandas and NumPy users

        Dask's promise: **the APIs you know, on data bigger than memory, on all your cores**.
        A Dask DataFrame is many pandas DataFrames (partitions); a Dask Array is many NumPy
        arrays (chunks); `dask.delayed` and futures parallelise the Python code you already
        have. This tutorial covers all four, plus the three habits that make Dask fast:
        **avoid shuffles, persist what you reuse, size partitions sensibly**.
        """
    ),
    scale_cell(
        """
        DAYS = max(2, round(20 * SCALE))  # days of per-second sensor data: 86,400 rows a day
        ARRAY_ROWS = int(2_000_000 * SCALE)  # rows of a 2-D NumPy-style array
        TASKS = max(4, int(40 * SCALE))  # independent jobs for delayed / futures
        print(f"SCALE={SCALE}: {DAYS} days, {DAYS * 86_400:,} rows; array of {ARRAY_ROWS:,} x 50")
        """
    ),
    code(
        """
        %load_ext lazyscope
        %dask start --workers 2 --threads 1 --memory 1GiB
        """
    ),
    md(
        """
        ## DataFrames: pandas, partitioned

        `dask.datasets.timeseries` generates a DataFrame on the workers: one partition per day,
        a datetime index, a few columns. (On real data: `dd.read_parquet`, `dd.read_csv` — same
        idea, one or more partitions per file.)
        """
    ),
    code(
        """
        import dask
        import dask.dataframe as dd
        import numpy as np
        import pandas as pd

        import lazyscope

        end = pd.Timestamp("2024-01-01") + pd.Timedelta(days=DAYS)
        ts = dask.datasets.timeseries(start="2024-01-01", end=end, freq="1s", partition_freq="1D", seed=42)
        ts
        """
    ),
    md(
        """
        Because the index is sorted and Dask knows where each partition starts and ends (the
        *divisions*), selecting by index only touches the partitions it needs:
        """
    ),
    code(
        """
        first_day = ts.loc["2024-01-01"]
        print(ts.npartitions, "partitions in all;", first_day.npartitions, "for one day")
        """
    ),
    md(
        """
        The pandas API works as you expect. Nothing runs until `.compute()`; in a `%%dask` cell
        you watch the tasks as they run.
        """
    ),
    code(
        """
        %%dask
        positive = ts[ts.x > 0]
        stats = positive.groupby("name").agg({"x": "mean", "y": ["min", "max"], "id": "count"})
        stats.compute().head()
        """
    ),
    md(
        """
        ## Avoiding shuffles

        A `groupby(...).agg` like the one above is a **tree reduction**: each partition is
        reduced to a tiny table first, and only those travel. Operations that must move *rows*
        between partitions — `set_index` on a new column, `merge` on an unsorted column,
        `sort_values` — **shuffle** all the data. The advisor shows which is which, without
        running anything:
        """
    ),
    code(
        """
        for label, obj in {
            "groupby-agg": stats,
            "set_index('name')": ts.set_index("name"),
            "sort_values('x')": ts.sort_values("x"),
        }.items():
            print(f"--- {label}")
            for f in lazyscope.advise(obj) or ["no findings: a tree reduction, no shuffle"]:
                print(f if isinstance(f, str) else f"[{f.severity}] {f.rule}: {f.message}")
        """
    ),
    md(
        """
        Tips: aggregate before you join; join on a sorted index (`set_index` once, then
        `persist`); prefer a time-index `resample` or `rolling` (which only looks at neighbouring
        partitions) to a full sort.
        """
    ),
    code(
        """
        %%dask
        hourly = ts.x.resample("1h").mean()
        hourly.compute().head()
        """
    ),
    md(
        """
        ## Persist what you reuse

        Every `.compute()` runs the whole graph again — here, generating the data from scratch.
        `.persist()` runs it once and keeps the partitions **in the workers' memory**; later
        computations start from there. (In Spark this is `.cache()`.)
        """
    ),
    code(
        """
        import time

        def seconds(fn):
            start = time.perf_counter()
            fn()
            return time.perf_counter() - start

        before = seconds(lambda: (ts.x.mean().compute(), ts.y.std().compute()))
        ts_mem = ts.persist()
        _ = ts_mem.x.mean().compute()  # wait until it is in memory
        after = seconds(lambda: (ts_mem.x.mean().compute(), ts_mem.y.std().compute()))
        print(f"two aggregations: {before:.2f} s from scratch, {after:.2f} s on persisted data")
        """
    ),
    md(
        """
        ## Partition sizes

        Dask schedules one task per partition per step (about 1 ms of overhead each). Aim for
        partitions of roughly **100 MB in memory** and **at least 2–3 partitions per core**.
        Too many tiny partitions and overhead dominates; too few and cores wait.
        """
    ),
    code(
        """
        %%dask
        sizes_mb = ts_mem.memory_usage_per_partition(deep=True).compute() / 1e6
        print(f"{ts_mem.npartitions} partitions, {sizes_mb.mean():.1f} MB each on average")
        """
    ),
    code(
        """
        tiny = ts_mem.repartition(npartitions=max(ts_mem.npartitions * 100, 500))
        for f in lazyscope.advise(tiny):
            print(f"[{f.severity}] {f.rule}: {f.message}\\n    fix: {f.fix}")
        """
    ),
    md(
        """
        `repartition(partition_size="100MB")` merges or splits partitions to a target size.

        ## Arrays: NumPy, chunked

        A Dask Array is a grid of NumPy chunks. The same blocked-algorithm idea gives you
        means, standardisation, matrix products and even SVD on arrays larger than memory.
        """
    ),
    code(
        """
        import dask.array as da

        X = da.random.default_rng(0).normal(size=(ARRAY_ROWS, 50), chunks=(max(ARRAY_ROWS // 8, 1), 50))
        lazyscope.describe(X)
        """
    ),
    code(
        """
        %%dask
        Z = (X - X.mean(axis=0)) / X.std(axis=0)  # standardise every column
        gram = Z.T @ Z / ARRAY_ROWS  # 50 x 50 correlation matrix
        u, s, v = da.linalg.svd_compressed(Z, k=5, seed=0)
        corr, singular_values = dask.compute(gram, s)  # one pass shares the common work
        print("largest off-diagonal correlation:", abs(corr - np.eye(50)).max().round(3))
        singular_values
        """
    ),
    md(
        """
        `dask.compute(a, b)` computes several results in one graph, so shared steps (`Z`) run
        once. Chunk shapes matter like partition sizes: `X.rechunk(...)` changes them.

        ## `dask.delayed`: parallelise the code you already have

        Plenty of useful code is not a DataFrame operation: a loop that loads, cleans and
        summarises files. Wrap the functions with `dask.delayed` and the loop builds a task
        graph instead of running; one `compute()` runs it in parallel.
        """
    ),
    code(
        """
        def load(i):
            rng = np.random.default_rng(i)
            time.sleep(0.2)  # stands in for I/O
            return pd.DataFrame({"value": rng.normal(i, 1, 10_000)})

        def clean(df):
            return df[df.value.abs() < 50]

        def summarize(df):
            return df.value.mean()

        parts = [dask.delayed(summarize)(dask.delayed(clean)(dask.delayed(load)(i))) for i in range(TASKS)]
        total = dask.delayed(sum)(parts)
        lazyscope.describe(total)
        """
    ),
    code(
        """
        %%dask
        total.compute()
        """
    ),
    md(
        """
        ## Futures: submit work now, collect it later

        Futures are the eager, real-time interface: `client.submit` starts a function on the
        cluster right away and returns a handle. Useful for dynamic workloads — results that
        decide what to run next.
        """
    ),
    code(
        """
        %%dask
        from distributed import as_completed

        def simulate(seed):
            rng = np.random.default_rng(seed)
            return seed, rng.normal(size=100_000).std()

        futures = client.map(simulate, range(TASKS))
        best = None
        for future in as_completed(futures):
            seed, value = future.result()
            if best is None or value > best[1]:
                best = (seed, value)
        best
        """
    ),
    md(
        """
        ### Take-aways

        * Dask DataFrame ≈ pandas, Dask Array ≈ NumPy; `delayed` and futures for everything else.
        * Let the workers create or read the data (`read_parquet`, `from_map`) rather than
          building a big pandas object in the notebook and shipping it.
        * Shuffles are the expensive step: aggregate first, use sorted indexes, check with
          `lazyscope.advise`.
        * `persist()` what you reuse; aim for ~100 MB partitions, 2–3 per core.
        """
    ),
    code(
        """
        del ts_mem
        %dask stop
        """
    ),
    md("**Next:** [5 · Seeing big data](05-seeing-big-data.ipynb)."),
)


# --------------------------------------------------------------------------------------------
notebook(
    "05-seeing-big-data",
    md(
        """
        # 5 · Seeing big data

        The usual advice for plotting data that does not fit in pandas: *down-sample, then use
        pandas*. It works until the interesting part is rare — a small dense cluster, an
        outlier population, a thin line — and the sample misses it.

        `lazyscope.plot(df, x, y)` takes the other road: **aggregate every row onto a pixel
        grid where the data lives** (Datashader on Dask, in-executor aggregation on Spark,
        Datashader in process for pandas), and send only the grid — a few hundred kilobytes —
        to the notebook. Counts are exact; zooming re-aggregates just the visible window.

        Here: tens of millions of points (at the default scale) with Dask and with Spark,
        versus sampling; zoom; colour by category; exact histograms.
        """
    ),
    scale_cell(
        """
        POINTS = int(20_000_000 * SCALE)  # 20 million points at full scale
        PARTS = 8
        print(f"SCALE={SCALE}: {POINTS:,} points")
        """
    ),
    code(
        """
        %load_ext lazyscope
        %dask start --workers 2 --threads 1 --memory 1GiB
        """
    ),
    md(
        """
        ## Data with a needle in it

        Simulated pickup locations in a city: three busy districts, a diffuse background, and
        one **rare, tight cluster** — a stadium that empties once a week, 0.05 % of all points.
        Each partition is generated on a worker, so the notebook never holds the data.
        """
    ),
    code(
        """
        import dask.dataframe as dd
        import numpy as np
        import pandas as pd

        import lazyscope

        KINDS = pd.CategoricalDtype(["district", "background", "stadium"])

        def pickups(seed, n=POINTS // PARTS):
            rng = np.random.default_rng(seed)
            n_stadium = max(n // 2000, 1)
            n_background = n // 5
            n_district = n - n_stadium - n_background
            centres = np.array([[-2.0, 1.0], [1.5, 2.0], [0.5, -1.5]])
            which = rng.integers(0, 3, n_district)
            district = centres[which] + rng.normal(0, 0.6, (n_district, 2))
            background = rng.uniform(-5, 5, (n_background, 2))
            stadium = np.array([3.2, -3.1]) + rng.normal(0, 0.03, (n_stadium, 2))
            xy = np.vstack([district, background, stadium])
            kind = ["district"] * n_district + ["background"] * n_background + ["stadium"] * n_stadium
            return pd.DataFrame({
                "x": xy[:, 0],
                "y": xy[:, 1],
                "fare": np.abs(rng.normal(12, 6, len(xy))).round(2),
                "kind": pd.Series(kind, dtype=KINDS),
            })

        trips = dd.from_map(pickups, range(PARTS)).persist()
        trips
        """
    ),
    md(
        """
        ## The sampling way

        A 0.1 % sample comes back to the notebook as a small pandas DataFrame. (We plot it with
        `lazyscope.plot` too, so both pictures use the same rendering.)
        """
    ),
    code(
        """
        %%dask
        sample = trips.sample(frac=0.001, random_state=0).compute()
        print(f"{len(sample):,} sampled points, {(sample.kind == 'stadium').sum()} from the stadium")
        lazyscope.plot(sample, "x", "y", width=500, height=400)
        """
    ),
    md(
        """
        The districts are there; the stadium — a few points at best — is lost in the noise.

        ## Every point, aggregated

        Now all of them. The first call finds the data's extent (one pass), then aggregates
        every point onto a 500 × 400 grid on the workers. Colours use histogram equalisation
        (`how="eq_hist"`), so dense and sparse areas are both visible.
        """
    ),
    code(
        """
        %%dask
        full = lazyscope.plot(trips, "x", "y", width=500, height=400)
        full
        """
    ),
    md(
        """
        The bright dot at the bottom right is the stadium. The grid behind the image is exact:
        `.aggregate` is an `xarray.DataArray` of counts — it adds up to every row.
        """
    ),
    code(
        """
        grid = full.aggregate
        print(grid.shape, "grid;", int(grid.sum()), "points counted of", POINTS)
        """
    ),
    md(
        """
        ## Zoom

        In JupyterLab you can zoom the plot with the mouse; in code, `.zoom(x_range, y_range)`
        re-aggregates only the window at full resolution, and `.reset()` goes back. Let us look
        at the stadium:
        """
    ),
    code(
        """
        %%dask
        full.zoom((2.9, 3.5), (-3.4, -2.8))
        full
        """
    ),
    code("full.reset()"),
    md(
        """
        ## Colour by category

        `by="kind"` aggregates one grid per category and blends them, with a legend — each
        population is visible even where they overlap.
        """
    ),
    code(
        """
        %%dask
        lazyscope.plot(trips, "x", "y", by="kind", width=500, height=400)
        """
    ),
    md(
        """
        Other aggregations: `agg="mean", value="fare"` colours each pixel by the mean fare of
        the points in it (also `sum`, `min`, `max`, `std`).
        """
    ),
    code(
        """
        %%dask
        lazyscope.plot(trips, "x", "y", agg="mean", value="fare", width=500, height=400)
        """
    ),
    md(
        """
        ## Exact histograms

        `lazyscope.hist(df, column, bins=...)` counts in the engine and returns the bins
        (the same counts `numpy.histogram` would give on all the data).
        """
    ),
    code(
        """
        %%dask
        lazyscope.hist(trips, "fare", bins=30)
        """
    ),
    md(
        """
        ## The same with Spark

        `lazyscope.plot` accepts Spark DataFrames too: the aggregation runs as a Spark job on
        the executors, and only the grid comes back.
        """
    ),
    code(
        """
        %spark start --master local[2] --name seeing-big-data --conf spark.sql.shuffle.partitions=4
        """
    ),
    code(
        """
        %%spark
        from pyspark.sql import functions as F

        district = (F.rand(1) * 3).cast("int")
        trips_sp = (
            spark.range(POINTS)
            .withColumn("kind", F.when(F.rand(2) < 0.2, "background").otherwise("district"))
            .withColumn("x", F.when(F.col("kind") == "background", F.rand(3) * 10 - 5)
                        .otherwise(F.element_at(F.array(F.lit(-2.0), F.lit(1.5), F.lit(0.5)), district + 1) + F.randn(4) * 0.6))
            .withColumn("y", F.when(F.col("kind") == "background", F.rand(5) * 10 - 5)
                        .otherwise(F.element_at(F.array(F.lit(1.0), F.lit(2.0), F.lit(-1.5)), district + 1) + F.randn(6) * 0.6))
            .drop("id")
        )
        lazyscope.plot(trips_sp, "x", "y", by="kind", width=500, height=400)
        """
    ),
    md(
        """
        ### Take-aways

        * Sampling is fine for the bulk of the data and blind to what is rare.
        * `lazyscope.plot` aggregates **every row** where the data lives; only a small grid
          travels to the notebook, whatever the data size.
        * Zoom re-aggregates the window, so detail is never a sample either.
        """
    ),
    code(
        """
        %spark stop
        %dask stop
        """
    ),
    md("**Next:** [6 · Machine learning at scale](06-machine-learning-at-scale.ipynb)."),
)


# --------------------------------------------------------------------------------------------
notebook(
    "06-machine-learning-at-scale",
    md(
        """
        # 6 · Machine learning at scale

        Most "big data" machine learning is not one giant model. It is many ordinary models:
        a grid of hyperparameters, one model per store or per customer segment, one trained
        model applied to billions of rows. Those parallelise beautifully — with the
        scikit-learn you already use.

        1. **scikit-learn on a Dask cluster** with the joblib backend — parallel
           hyperparameter search with no code changes,
        2. **one model per group** with Spark's `applyInPandas`,
        3. **batch inference** with a pandas iterator UDF that loads the model once per task,
        4. a **Spark MLlib pipeline**: VectorAssembler → estimator → evaluation, saved and
           loaded back.
        """
    ),
    scale_cell(
        """
        SAMPLES = max(2_000, int(20_000 * SCALE))  # rows for the scikit-learn search
        ROWS = max(10_000, int(2_000_000 * SCALE))  # rows in the Spark tables
        STORES = 20
        print(f"SCALE={SCALE}: {SAMPLES:,} samples for scikit-learn, {ROWS:,} rows in Spark")
        """
    ),
    code(
        """
        %load_ext lazyscope
        %dask start --workers 2 --threads 1 --memory 1GiB
        """
    ),
    md(
        """
        ## 1 · scikit-learn in parallel, on Dask

        scikit-learn parallelises with **joblib** (`n_jobs=...`). Joblib's `dask` backend sends
        those jobs to the Dask cluster instead of local processes: every
        cross-validation fit of a grid search becomes a Dask task. On a laptop that is your
        cores; connected to a cluster (`%dask connect`), it is the whole cluster — same code.
        """
    ),
    code(
        """
        import joblib
        from sklearn.datasets import make_classification
        from sklearn.ensemble import RandomForestClassifier
        from sklearn.model_selection import GridSearchCV, train_test_split

        X, y = make_classification(n_samples=SAMPLES, n_features=20, n_informative=8, random_state=0)
        X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)

        search = GridSearchCV(
            RandomForestClassifier(random_state=0, n_jobs=1),  # parallel across fits, not trees
            param_grid={"n_estimators": [20, 60], "max_depth": [4, 8, None]},
            cv=3,
            n_jobs=-1,
        )
        """
    ),
    code(
        """
        %%dask
        with joblib.parallel_backend("dask"):
            search.fit(X_train, y_train)
        print(f"best {search.best_params_}, CV accuracy {search.best_score_:.3f}, "
              f"test accuracy {search.score(X_test, y_test):.3f}")
        """
    ),
    md(
        """
        6 parameter combinations × 3 folds = 18 fits, spread over the workers (the progress
        view shows them as tasks). The data is sent to the workers once per fit; for large
        arrays, `client.scatter` them first.

        Which parameters matter? `cv_results_` is an ordinary scikit-learn result:
        """
    ),
    code(
        """
        import pandas as pd

        results = pd.DataFrame(search.cv_results_)
        results[["param_n_estimators", "param_max_depth", "mean_test_score", "mean_fit_time"]].sort_values(
            "mean_test_score", ascending=False
        )
        """
    ),
    code("%dask stop"),
    md(
        """
        ## 2 · One model per group with Spark `applyInPandas`

        A retail question: *how much does advertising lift sales, store by store?* One small
        regression per store. `groupBy("store").applyInPandas(fn, schema)` hands each store's
        rows to `fn` as a pandas DataFrame, in parallel on the executors, and stitches the
        returned DataFrames together. Inside `fn`: plain pandas and scikit-learn.
        """
    ),
    code("%spark start --master local[2] --name ml-at-scale --conf spark.sql.shuffle.partitions=4"),
    code(
        """
        %%spark
        from pyspark.sql import functions as F

        lift = (F.col("store") % 5 + 1).cast("double")  # the true effect, unknown to the models
        sales = (
            spark.range(ROWS)
            .withColumn("store", (F.col("id") % STORES).cast("int"))
            .withColumn("ad_spend", F.round(F.rand(1) * 100, 2))
            .withColumn("price", F.round(F.rand(2) * 10 + 5, 2))
            .withColumn("sales", 200 + lift * F.col("ad_spend") - 8 * F.col("price") + F.randn(3) * 20)
            .drop("id")
        )
        sales
        """
    ),
    code(
        """
        from sklearn.linear_model import LinearRegression

        def fit_store(pdf: pd.DataFrame) -> pd.DataFrame:
            model = LinearRegression().fit(pdf[["ad_spend", "price"]], pdf["sales"])
            return pd.DataFrame({
                "store": [pdf["store"].iloc[0]],
                "rows": [len(pdf)],
                "ad_lift": [model.coef_[0]],
                "r2": [model.score(pdf[["ad_spend", "price"]], pdf["sales"])],
            })

        per_store = sales.groupBy("store").applyInPandas(
            fit_store, schema="store int, rows long, ad_lift double, r2 double"
        )
        per_store
        """
    ),
    code(
        """
        %%spark
        per_store.orderBy(F.desc("ad_lift")).toPandas().head(8)
        """
    ),
    md(
        """
        The estimated lift recovers each store's true effect (1 to 5 sales per unit of ad
        spend). Each group must fit in one executor's memory — group by something with many
        modest groups, not by a handful of huge ones.

        ## 3 · Batch inference: load the model once per task

        Scoring a big table with a trained scikit-learn model is a pandas UDF. The **iterator**
        form, `Iterator[pd.Series] -> Iterator[pd.Series]`, is the one to use: the function
        runs once per task and loops over Arrow batches, so expensive set-up — unpickling a
        model, loading weights from disk — happens **once per task, not once per batch**.

        We train a model on a sample, then score every row. Two accumulators count the model
        loads and the batches, to show the difference.
        """
    ),
    code(
        """
        import pickle
        from collections.abc import Iterator

        import numpy as np

        train = sales.sample(fraction=0.05, seed=0).toPandas()
        model = LinearRegression().fit(train[["ad_spend", "price"]], train["sales"])
        model_bytes = pickle.dumps(model)  # what a model registry or a file would hold
        print(f"trained on {len(train):,} rows; model is {len(model_bytes)} bytes")

        loads = sc.accumulator(0)
        batches = sc.accumulator(0)

        @F.pandas_udf("double")
        def predict(columns: Iterator[tuple[pd.Series, pd.Series]]) -> Iterator[pd.Series]:
            scorer = pickle.loads(model_bytes)  # once per task
            loads.add(1)
            for ad_spend, price in columns:
                batches.add(1)
                features = pd.DataFrame({"ad_spend": ad_spend, "price": price})
                yield pd.Series(scorer.predict(features))
        """
    ),
    code(
        """
        %%spark
        spark.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", "2000")  # many batches
        scored = sales.withColumn("predicted", predict("ad_spend", "price"))
        error = scored.select(F.sqrt(F.avg((F.col("sales") - F.col("predicted")) ** 2)).alias("rmse")).first()
        print(f"RMSE {error.rmse:.1f}: {loads.value} model loads for {batches.value} batches")
        """
    ),
    md(
        """
        One load per task (per partition), many batches each. With a row-at-a-time UDF, or a
        plain `Series -> Series` pandas UDF that loads inside the function, that would be one
        load per row or per batch.

        ## 4 · A Spark MLlib pipeline, saved and loaded

        When the training data itself is big, train *in* Spark with MLlib. A `Pipeline`
        chains feature steps and an estimator; the fitted `PipelineModel` is saved as a
        directory and loaded back anywhere Spark runs — the usual way to move a model from a
        notebook to a scheduled job.
        """
    ),
    code(
        """
        from pyspark.ml import Pipeline, PipelineModel
        from pyspark.ml.classification import LogisticRegression
        from pyspark.ml.evaluation import BinaryClassificationEvaluator
        from pyspark.ml.feature import StandardScaler, VectorAssembler

        labelled = sales.withColumn("good_day", (F.col("sales") > 300).cast("double")).cache()
        train_df, test_df = labelled.randomSplit([0.8, 0.2], seed=0)

        pipeline = Pipeline(stages=[
            VectorAssembler(inputCols=["ad_spend", "price", "store"], outputCol="raw"),
            StandardScaler(inputCol="raw", outputCol="features"),
            LogisticRegression(featuresCol="features", labelCol="good_day", maxIter=20),
        ])
        """
    ),
    code(
        """
        %%spark
        fitted = pipeline.fit(train_df)
        evaluator = BinaryClassificationEvaluator(labelCol="good_day")  # area under ROC
        auc = evaluator.evaluate(fitted.transform(test_df))
        print(f"test AUC {auc:.3f}")
        """
    ),
    code(
        """
        %%spark
        import tempfile

        model_dir = tempfile.mkdtemp(prefix="lazyscope-tutorial-") + "/good-day-model"
        fitted.write().overwrite().save(model_dir)
        reloaded = PipelineModel.load(model_dir)
        same = evaluator.evaluate(reloaded.transform(test_df))
        print(f"reloaded from {model_dir}: AUC {same:.3f}")
        labelled.unpersist()
        assert abs(same - auc) < 1e-3  # same model, same cached test rows
        """
    ),
    md(
        """
        ### Take-aways

        * Many small models parallelise best: grid searches (joblib → Dask), per-group models
          (`applyInPandas`), scoring (`pandas_udf` with an iterator).
        * Load expensive things once per task, not per row or batch.
        * For models that need all the data at once, MLlib pipelines train in Spark and save
          to a directory you can load in production.
        """
    ),
    code("%spark stop"),
    md("**Next:** [7 · Dask or Spark?](07-dask-or-spark.ipynb)"),
)


# --------------------------------------------------------------------------------------------
notebook(
    "07-dask-or-spark",
    md(
        """
        # 7 · Dask or Spark?

        > *There are no solutions, only trade-offs.*

        Both scale pandas-style work across cores and machines. They come from different
        worlds: Spark from the JVM and SQL, with a query optimizer and a mature cluster story;
        Dask from the Python ecosystem, with pandas/NumPy inside every task and a scheduler for
        arbitrary task graphs. The best way to choose is to **try both on your task** — which
        lazyscope makes a one-line switch.

        The task: a day of web-shop orders. Filter out test accounts, add a column, total the
        revenue per country, join a small country table, and rank. Built with each engine on
        the same generated data, inspected with the same views, timed the same way.
        """
    ),
    scale_cell(
        """
        ROWS = int(10_000_000 * SCALE)
        PARTS = 8
        print(f"SCALE={SCALE}: {ROWS:,} orders in {PARTS} partitions")
        """
    ),
    code(
        """
        %load_ext lazyscope
        %dask start --workers 2 --threads 1 --memory 1GiB
        %spark start --master local[2] --name dask-or-spark --conf spark.sql.shuffle.partitions=4
        """
    ),
    md(
        """
        ## The same data for both

        One generator function makes a partition of orders with NumPy. Dask calls it once per
        partition on its workers (`from_map`); Spark calls it once per partition on its
        executors (`mapInPandas` over a tiny table of partition numbers). Same rows, same
        partitioning, nothing shipped from the notebook.
        """
    ),
    code(
        """
        import time

        import dask.dataframe as dd
        import numpy as np
        import pandas as pd
        from pyspark.sql import functions as F

        import lazyscope

        COUNTRIES = ["DE", "FR", "NL", "ES", "IT", "PL", "SE", "DK", "BE", "AT", "PT", "IE"]

        def orders(part, n=ROWS // PARTS):
            rng = np.random.default_rng(part)
            return pd.DataFrame({
                "order_id": np.arange(part * n, (part + 1) * n),
                "country": rng.choice(COUNTRIES, n, p=np.linspace(2, 1, len(COUNTRIES)) / np.linspace(2, 1, len(COUNTRIES)).sum()),
                "items": rng.integers(1, 6, n),
                "unit_price": rng.gamma(2.0, 15.0, n).round(2),
                "test_account": rng.random(n) < 0.02,
            })

        countries = pd.DataFrame({
            "country": COUNTRIES,
            "vat": [0.19, 0.20, 0.21, 0.21, 0.22, 0.23, 0.25, 0.25, 0.21, 0.20, 0.23, 0.23],
        })
        """
    ),
    md("### Dask"),
    code(
        """
        orders_dd = dd.from_map(orders, range(PARTS))
        countries_dd = dd.from_pandas(countries, npartitions=1)

        real = orders_dd[~orders_dd.test_account]
        real = real.assign(revenue=real["items"] * real["unit_price"])
        per_country = real.groupby("country").revenue.sum().reset_index()
        ranked_dd = per_country.merge(countries_dd, on="country")
        ranked_dd = ranked_dd.assign(net=ranked_dd.revenue / (1 + ranked_dd.vat))
        lazyscope.describe(ranked_dd)
        """
    ),
    md("### Spark"),
    code(
        """
        def orders_batches(batches):
            for batch in batches:
                for part in batch["part"]:
                    yield orders(int(part))

        orders_sp = spark.range(PARTS).repartition(PARTS).selectExpr("id AS part").mapInPandas(
            orders_batches,
            schema="order_id long, country string, items long, unit_price double, test_account boolean",
        )
        countries_sp = spark.createDataFrame(countries)

        ranked_sp = (
            orders_sp.where(~F.col("test_account"))
            .withColumn("revenue", F.col("items") * F.col("unit_price"))
            .groupBy("country").agg(F.sum("revenue").alias("revenue"))
            .join(countries_sp, "country")
            .withColumn("net", F.col("revenue") / (1 + F.col("vat")))
        )
        lazyscope.describe(ranked_sp)
        """
    ),
    md(
        """
        Read the two cards side by side. Both know the columns without running anything. Spark
        shows an optimised physical plan: the small country table is **broadcast** (no second
        shuffle), and the filter runs before the aggregation. Dask shows its optimised
        expression: the `groupby().sum()` is a tree reduction, and the merge with a
        one-partition frame needs no shuffle either.

        The same two, as DAGs in one viewer:
        """
    ),
    code("lazyscope.dag(ranked_dd)"),
    code("lazyscope.dag(ranked_sp)"),
    md(
        """
        ## Run both

        Each result is small (12 countries), so bringing it to pandas is fine. We time each
        twice and keep the faster run, so start-up costs (Python workers, code generation) do
        not decide the race.
        """
    ),
    code(
        """
        timings = {}

        def best_of_two(name, run):
            best = float("inf")
            for _ in range(2):
                start = time.perf_counter()
                result = run()
                best = min(best, time.perf_counter() - start)
            timings[name] = best
            return result
        """
    ),
    code(
        """
        %%dask
        result_dd = best_of_two("Dask", lambda: ranked_dd.compute().sort_values("net", ascending=False))
        result_dd.head()
        """
    ),
    code(
        """
        %%spark
        result_sp = best_of_two("Spark", lambda: ranked_sp.toPandas().sort_values("net", ascending=False))
        result_sp.head()
        """
    ),
    md("Same numbers from both engines (same generator, same seeds):"),
    code(
        """
        both = result_dd.merge(result_sp, on="country", suffixes=("_dask", "_spark"))
        assert np.allclose(both.net_dask, both.net_spark)
        pd.Series(timings, name="seconds (best of 2)").round(2).to_frame()
        """
    ),
    md(
        """
        On a laptop with small data, the difference is mostly fixed overhead: Spark's JVM and
        the Python ↔ JVM hop for `mapInPandas`, Dask's per-task scheduling. Re-run with
        `LAZYSCOPE_TUTORIAL_SCALE=5` to see how each scales on your machine — and on a real
        cluster, connect both magics to it and compare again.

        ## The trade-offs

        | | Dask | Spark |
        |---|---|---|
        | **Language** | pure Python; tasks run pandas / NumPy / your code | JVM engine with Python (and SQL, Scala, R) front-ends |
        | **APIs** | pandas-like DataFrame, NumPy-like Array, Bag, `delayed`, futures | DataFrame + SQL, pandas API on Spark, MLlib, Structured Streaming |
        | **Optimizer** | expression optimizer (projection/predicate pushdown, fusion) | Catalyst + adaptive query execution, mature cost-based joins |
        | **Custom Python** | native: every task is Python | pandas UDFs / `applyInPandas` (Arrow); plain UDFs are slow |
        | **Arbitrary task graphs** | yes (`delayed`, futures, dynamic tasks) | no: jobs of stages |
        | **Arrays / scientific data** | first-class (Dask Array, xarray) | not really |
        | **SQL and big joins** | possible, less mature | its home ground |
        | **Deployment** | `pip install`; LocalCluster, Kubernetes, HPC, cloud | JVM; YARN, Kubernetes, standalone, Databricks/EMR/Dataproc |
        | **Where you look** | Dask dashboard (task stream) | Spark UI (jobs, stages, SQL) |

        Rules of thumb from practitioners:

        * Mostly SQL-shaped ETL over big tables, a Spark platform already in the company →
          **Spark** (DataFrame functions, pandas UDFs where needed).
        * Python-heavy work — NumPy arrays, custom algorithms, scikit-learn, irregular task
          graphs, an HPC cluster → **Dask**.
        * Unsure? Build the pipeline with both on a sample, look at the plans and the timings,
          as we just did. With lazyscope it is the same notebook.
        """
    ),
    code(
        """
        %spark stop
        %dask stop
        """
    ),
    md(
        """
        That is the course. Go back to [1 · Getting started](01-getting-started.ipynb) to
        connect these notebooks to a real cluster.
        """
    ),
)


def build(name: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    for kind, source in NOTEBOOKS[name]:
        if kind == "markdown":
            nb.cells.append(nbformat.v4.new_markdown_cell(source))
        else:
            tags = ["expect-stderr"] if kind == "code-stderr" else []
            nb.cells.append(nbformat.v4.new_code_cell(source, metadata={"tags": tags} if tags else {}))
    for index, cell in enumerate(nb.cells):
        cell["id"] = f"{name[:2]}-{index:02d}"  # stable ids: clean diffs on regeneration
    nbformat.validate(nb)
    path = HERE / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


if __name__ == "__main__":
    wanted = sys.argv[1:]
    for name in NOTEBOOKS:
        if not wanted or any(name.startswith(prefix) for prefix in wanted):
            print(build(name))
