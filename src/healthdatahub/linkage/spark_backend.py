"""The same reconstruction model on Splink's Spark backend: the path beyond one machine.

The normalisation stays DuckDB SQL (``hold_n``/``ref_n``); the comparison tables move to Spark,
Splink trains and scores there with the same settings (function names per dialect), and the
scored pairs come back into the job's DuckDB as ``prob_pairs`` for the same decision rule.
Spark writes shuffle and checkpoint files to its local dirs: on a cluster those must be on
encrypted, job-private storage. Used by the benchmark, not by the service's default path.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import Any

import duckdb

from healthdatahub.errors import HubError
from healthdatahub.linkage.probabilistic import (
    MODEL_COLUMNS,
    _store_pairs,
    settings_for,
    train_and_predict,
)
from healthdatahub.linkage.sql import q


def spark_session(master: str = "local[2]", local_dir: Path | None = None) -> Any:
    """A Spark session with Splink's similarity UDF jar and a private scratch dir.

    The jar must be on the JVM's class path from its start: a session already running in
    this process without it (the hub's Spark engine, say) is refused, not reused.
    """
    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    jar = similarity_jar_location()
    active = SparkSession.getActiveSession()
    if active is not None and jar not in active.sparkContext.getConf().get("spark.jars", ""):
        raise HubError("Spark already runs in this process without Splink's similarity "
                       "functions; run the Spark linkage in a process of its own.")
    tmp = local_dir or Path(tempfile.mkdtemp(prefix="hdh-linkage-spark-"))
    spark = (SparkSession.builder.master(master).appName("hdh-linkage")
             .config("spark.jars", jar)
             .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
             .config("spark.sql.shuffle.partitions", "8")
             .config("spark.local.dir", str(tmp / "local"))
             .config("spark.driver.memory", "3g").getOrCreate())
    spark.sparkContext.setCheckpointDir(str(tmp / "checkpoints"))
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def score_spark(con: duckdb.DuckDBPyConnection, spark: Any, plain: bool = False,
                floor_weight: float = -4.0, seed: int = 7,
                timings: dict[str, float] | None = None) -> tuple[int, dict[str, Any]]:
    """Train and score on Spark; the pairs land in the DuckDB table ``prob_pairs``."""
    from splink import Linker
    from splink.backends.spark import SparkAPI

    cols = ", ".join(MODEL_COLUMNS)
    frames = {name: spark.createDataFrame(con.sql(f"SELECT {cols} FROM {name}").to_arrow_table())
              for name in ("hold_n", "ref_n")}
    n_hold, n_ref = (int(q(con, f"SELECT count(*) FROM {t}")[0][0]) for t in ("hold_n", "ref_n"))
    api = SparkAPI(spark_session=spark)
    left = api.register(frames["hold_n"], dataset_display_name="hold_s")
    right = api.register(frames["ref_n"], dataset_display_name="ref_s")
    linker = Linker([left, right], settings_for(plain, n_ref, "spark"), log_level=logging.WARNING)
    pairs, model = train_and_predict(linker, plain, n_hold, n_ref, floor_weight, seed, timings)
    con.register("_spark_pairs", pairs.as_spark_dataframe().toArrow())
    _store_pairs(con, "_spark_pairs")
    con.unregister("_spark_pairs")
    return int(q(con, "SELECT count(*) FROM prob_pairs")[0][0]), model
