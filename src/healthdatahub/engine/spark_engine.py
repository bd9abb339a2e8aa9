"""The Spark engine (scale-out): local-mode or cluster Spark SQL, fed DuckDB SQL via SQLGlot.

pyspark is imported lazily, so a minimal install without it still imports the hub. The
JVM starts once per process (about 5 s) and is shared; each engine gets its own Spark
session on it, so tables registered by one engine are invisible to another.
"""

from __future__ import annotations

import atexit
import logging
import shutil
import tempfile
import threading
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from healthdatahub.engine.base import (
    QueryError,
    atomic_folder,
    check_columns,
    check_name,
    csv_settings,
    first_line,
    infer_format,
)
from healthdatahub.engine.dialects import to_spark
from healthdatahub.errors import HubError

if TYPE_CHECKING:
    import pandas
    import pyarrow
    from pyspark.sql import DataFrame, SparkSession

    from healthdatahub.config import Settings

DEFAULT_MASTER = "local[2]"
SHUFFLE_PARTITIONS = 4
_LOG4J = """\
rootLogger.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
"""
# Java's names for the encodings (keys are Python codec names).
_JAVA_ENCODINGS = {
    "utf-8": "UTF-8",
    "iso8859-1": "ISO-8859-1",
    "utf-16": "UTF-16",
    "cp1252": "windows-1252",
}

_lock = threading.Lock()
_root: dict[str, Any] = {}  # "session", "master", "tmp": the process-wide Spark session


@lru_cache(maxsize=1)
def spark_errors() -> tuple[type[BaseException], ...]:
    """The exception types pyspark and py4j raise (caught and turned into QueryError)."""
    from py4j.protocol import Py4JError
    from pyspark.errors import PySparkException

    return (PySparkException, Py4JError)


def _silence_python_query_loggers() -> None:
    """Stop pyspark logging every failed query with its stack trace (and data fragments).

    Failures are re-raised as QueryError with the engine's message, so the log adds only
    noise, and a query fragment may quote data values that must not reach logs.
    """
    from pyspark.logger import PySparkLogger

    for name in ("SQLQueryContextLogger", "DataFrameQueryContextLogger"):
        PySparkLogger.getLogger(name).setLevel(logging.CRITICAL + 1)


def _start_session(master: str) -> SparkSession:
    """Start the process-wide local Spark session (quiet, UI off, scratch dirs in a temp dir)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise HubError(
            "The spark engine needs pyspark; install it with pip install 'healthdatahub[spark]'."
        ) from None
    if shutil.which("java") is None:
        raise HubError("The spark engine needs Java 17 or later on the PATH; install a JDK.")
    tmp = Path(tempfile.mkdtemp(prefix="hdh-spark-"))
    (tmp / "log4j2.properties").write_text(_LOG4J, encoding="utf-8")
    java_opts = (
        f"-Dderby.system.home={tmp / 'derby'} "
        f"-Dlog4j2.configurationFile={tmp / 'log4j2.properties'}"
    )
    builder = (
        SparkSession.builder.master(master)
        .appName("healthdatahub")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", str(SHUFFLE_PARTITIONS))
        .config("spark.sql.warehouse.dir", str(tmp / "warehouse"))
        .config("spark.local.dir", str(tmp / "local"))
        .config("spark.driver.extraJavaOptions", java_opts)
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.timestampType", "TIMESTAMP_NTZ")  # like DuckDB's TIMESTAMP
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.hadoop.mapreduce.fileoutputcommitter.marksuccessfuljobs", "false")
        .config("spark.hadoop.parquet.enable.summary-metadata", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
    )
    try:
        session = builder.getOrCreate()
    except (*spark_errors(), OSError) as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise HubError(f"Spark could not start: {first_line(exc)}.") from None
    session.sparkContext.setLogLevel("ERROR")
    _silence_python_query_loggers()
    _root.update(session=session, master=master, tmp=tmp)
    return session


def shared_session(master: str = DEFAULT_MASTER) -> SparkSession:
    """The process-wide Spark session, started on first use (JVM start costs seconds)."""
    with _lock:
        session = _root.get("session")
        if session is not None:
            if _root["master"] != master:
                raise HubError(f"Spark already runs on {_root['master']}; one master per process.")
            return session
        return _start_session(master)


def stop_spark() -> None:
    """Stop the process-wide Spark session and delete its scratch folder (tests, scripts)."""
    with _lock:
        session = _root.pop("session", None)
        tmp = _root.pop("tmp", None)
        _root.clear()
    if session is not None:
        session.stop()
    if tmp is not None:
        shutil.rmtree(tmp, ignore_errors=True)


atexit.register(stop_spark)


class SparkEngine:
    """Runs the hub's DuckDB SQL on Spark after transpiling it with SQLGlot."""

    name = "spark"
    dialect = "spark"

    def __init__(self, settings: Settings | None = None) -> None:
        master = settings.spark_master if settings is not None else DEFAULT_MASTER
        self._spark = shared_session(master).newSession()
        self._views: set[str] = set()

    # -- inputs ---------------------------------------------------------------------------
    def register(
        self, name: str, path: str | Path, format: str | None = None, **csv_options: Any
    ) -> None:
        """Expose a Parquet file/folder (hive partitions read) or a CSV file as view ``name``."""
        check_name(name)
        path = Path(path).resolve()
        fmt = infer_format(path, format)
        try:
            if fmt == "parquet":
                frame = self._spark.read.parquet(str(path))
            else:
                frame = self._read_csv(path, csv_settings(csv_options))
        except spark_errors() as exc:
            raise QueryError(f"The spark engine could not read {path}: {first_line(exc)}") from exc
        self._publish(name, frame)

    def _read_csv(self, path: Path, opts: dict[str, Any]) -> DataFrame:
        """Read a CSV like DuckDB does: typed unless all_varchar, column0.. when no header."""
        encoding = _JAVA_ENCODINGS.get(opts["encoding"], opts["encoding"])
        reader = (
            self._spark.read.option("sep", opts["delimiter"])
            .option("header", str(opts["header"]).lower())
            .option("encoding", encoding)
            .option("quote", opts["quote"])
            .option("inferSchema", str(not opts["all_varchar"]).lower())
        )
        frame = reader.csv(str(path))
        if not opts["header"]:
            frame = frame.toDF(*[f"column{i}" for i in range(len(frame.columns))])
        return frame

    def register_arrow(self, name: str, table: pyarrow.Table) -> None:
        """Expose an Arrow table as view ``name`` (copied into Spark; keep it small)."""
        check_name(name)
        try:
            frame = self._spark.createDataFrame(table)
        except spark_errors() as exc:
            raise QueryError(
                f"The spark engine could not load table {name}: {first_line(exc)}"
            ) from exc
        self._publish(name, frame)

    def _publish(self, name: str, frame: DataFrame) -> None:
        """Make ``frame`` visible to SQL as temporary view ``name``."""
        frame.createOrReplaceTempView(name)
        self._views.add(name)

    def unregister(self, name: str) -> None:
        """Forget table ``name``."""
        check_name(name)
        self._spark.catalog.dropTempView(name)
        self._views.discard(name)

    # -- queries --------------------------------------------------------------------------
    def transpile(self, sql: str) -> str:
        """Spark SQL for the hub's DuckDB SQL (HubError naming what cannot be translated)."""
        return to_spark(sql)

    def _frame(self, sql: str) -> DataFrame:
        """Transpile and plan ``sql``; analysis errors surface here as QueryError."""
        spark_sql = self.transpile(sql)
        try:
            return self._spark.sql(spark_sql)
        except spark_errors() as exc:
            raise QueryError(
                f"The spark engine could not run the query: {first_line(exc)}"
            ) from exc

    def _collect(self, action: Any, *args: Any) -> Any:
        """Run a Spark action, turning its errors into QueryError."""
        try:
            return action(*args)
        except spark_errors() as exc:
            raise QueryError(
                f"The spark engine could not run the query: {first_line(exc)}"
            ) from exc

    def execute(self, sql: str) -> None:
        """Run one statement for its effect (DDL runs eagerly in Spark)."""
        self._frame(sql)

    def to_arrow(self, sql: str) -> pyarrow.Table:
        """Run a query and return its result as an Arrow table."""
        frame = self._frame(sql)
        if hasattr(frame, "toArrow"):  # pyspark >= 4.0
            return self._collect(frame.toArrow)
        import pyarrow as pa

        return pa.Table.from_pandas(self._collect(frame.toPandas), preserve_index=False)

    def to_pandas(self, sql: str) -> pandas.DataFrame:
        """Run a query and return its result as a pandas DataFrame."""
        return self.to_arrow(sql).to_pandas()

    def scalar(self, sql: str) -> Any:
        """Run a query and return the first column of its first row (None if no row)."""
        rows = self._collect(self._frame(sql).take, 1)
        return rows[0][0] if rows else None

    def write_parquet(
        self, sql: str, dest: str | Path, *, partition_by: list[str] | None = None
    ) -> int:
        """Write the result to folder ``dest`` as part files, atomically; return the row count."""
        columns = check_columns(partition_by)
        frame = self._frame(sql)
        with atomic_folder(dest) as tmp:
            writer = frame.write.mode("overwrite")
            if columns:
                writer = writer.partitionBy(*columns)
            self._collect(writer.parquet, str(tmp))
            count = self._count_written(tmp)
        return count

    def _count_written(self, folder: Path) -> int:
        """Rows in a folder Spark just wrote (from Parquet footers; 0 when no part file)."""
        if not any(folder.rglob("*.parquet")):
            return 0
        return int(self._collect(lambda: self._spark.read.parquet(str(folder)).count()))

    # -- lifecycle ------------------------------------------------------------------------
    def close(self) -> None:
        """Drop this engine's views; the shared JVM stays up for the next engine."""
        for name in list(self._views):
            self.unregister(name)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
