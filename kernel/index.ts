// Public API of bpflab (what notebooks import from "bpflab"): re-exports only.
export * from "./errors.js";
export { setVerbose, setLogSink } from "./log.js";

// frames
export { Frame, isStringColumn, allocColumn } from "./frame/frame.js";
export type { ColumnType, ColumnSpec, ColumnData, StringColumn, Cell } from "./frame/frame.js";
export { FrameBuilder } from "./frame/frame-builder.js";
export { readParquet, writeParquet, readParquetMetadata } from "./frame/parquet.js";
export { toDanfo } from "./frame/to-danfo.js";
export { toArquero } from "./frame/to-arquero.js";
export { frameToHtml } from "./frame/html-table.js";
export { anyTableToHtml } from "./plots/table-html.js";

// capture
export { capture } from "./capture/engine.js";
export type { CaptureOptions, CaptureProgress } from "./capture/engine.js";
export { Capture, SCHEMA_VERSION } from "./capture/capture.js";
export type { CaptureMeta } from "./capture/capture.js";
export { saveCapture, loadCapture } from "./capture/capture-files.js";
export { parseDuration } from "./capture/duration.js";
export { replay } from "./capture/replay.js";
export type { ReplayOptions } from "./capture/replay.js";
export { StreamingZscore } from "./online/streaming-zscore.js";
export type { StreamingZscoreOptions } from "./online/streaming-zscore.js";
export { OnlineEwma } from "./online/online-ewma.js";
export type { OnlineEwmaOptions } from "./online/online-ewma.js";
export { StreamingNgram } from "./online/streaming-ngram.js";
export type { StreamingNgramOptions } from "./online/streaming-ngram.js";
export { createOnlineDetectors, onlineDetectorNames } from "./online/online-registry.js";
export { alertsFrame } from "./online/alert.js";
export type { Alert, AlertDriver, OnlineDetector, OnlineDetectorName, OnlineOptions } from "./online/alert.js";
export { Stide } from "./detectors/sequence/stide.js";
export { NgramModel } from "./detectors/sequence/ngram-model.js";
export { GruLanguageModel } from "./detectors/sequence/gru-language-model.js";
export { createSequenceDetector, sequenceDetectorNames } from "./detectors/sequence/registry.js";
export type { SequenceDetector, CallTrace, SequenceExplanation } from "./detectors/sequence/sequence-detector.js";
export { tracesFromEvents, tracesFromTable, ngramFeatures } from "./detectors/sequence/traces.js";
export type { Trace } from "./detectors/sequence/traces.js";
export { compareSequences } from "./compare/sequence-compare.js";
export { collectors, getCollector } from "./collectors/registry.js";
export type { Collector } from "./collectors/schema.js";
export { defineCollector, identityColumns } from "./collectors/schema.js";
export { option } from "./collectors/options.js";
export type { OptionDoc } from "./collectors/options.js";
export type { FeatureDecl, FeatureAgg } from "./collectors/feature-decl.js";
export { summarize } from "./report/summary.js";

// detection
export { features } from "./features/features.js";
export type { Features, FeatureOptions, EntityKind } from "./features/features.js";
export { createDetector, detectorNames } from "./detectors/registry.js";
export type { Detector, PredictOptions } from "./detectors/detector.js";
export { matrix, matrixFromColumns, matrixFromFrame, dropConstantColumns } from "./detectors/matrix.js";
export type { Matrix, MatrixInput } from "./detectors/matrix.js";
export { explain, topFeatures } from "./detectors/explain.js";
export type { Explanation } from "./detectors/explain.js";
export { compareDetectors } from "./compare/compare.js";
export { readCsv, parseCsv } from "./frame/read-csv.js";
export type { CompareResult, CompareRow, CompareOptions, DetectorSpec } from "./compare/compare.js";
export { findAnomalies, logScale, DETECTION_MODES } from "./analysis/anomalies.js";
export type { Anomaly, AnomalyReport, FindAnomaliesOptions, Incident, DetectionMode } from "./analysis/anomalies.js";
export { describeDriver } from "./analysis/drivers.js";
export type { Driver } from "./analysis/drivers.js";
export { readIntervalLabels, labelsFromFrame, matchLabels } from "./analysis/interval-labels.js";
export type { IntervalLabel } from "./analysis/interval-labels.js";
export { formatReport, reportJson } from "./analysis/report-format.js";
export type { Evaluation } from "./analysis/evaluate.js";
export { vusPr, rangePrAuc, paKF1, paKAuc } from "./compare/range-metrics.js";
export { eventMetrics, alarmsFromRows } from "./compare/event-metrics.js";
export type { LabelledEvent, Alarm, EventMetrics } from "./compare/event-metrics.js";
export { readLabels, labelRows } from "./analysis/labels.js";
export type { InjectedAnomaly } from "./analysis/labels.js";
export { latencyPercentiles, bucketQuantile, quantileName } from "./analysis/latency-percentiles.js";
export type { PercentileOptions, Buckets } from "./analysis/latency-percentiles.js";
export { histUpperNs, histLowerNs, histSlot } from "./collectors/histogram.js";

// scenarios: a baseline load plus one injected anomaly, captured with its ground truth (`labels` frame)
export { runScenario, scenarioOf, defaultScenarioCollectors, SCENARIO_COLLECTORS } from "./scenarios/run-scenario.js";
export type { ScenarioOptions, ScenarioCaptureMeta } from "./scenarios/run-scenario.js";
export { listScenarios, planScenario, scenarioNames } from "./scenarios/plan.js";
export type { PlanOptions } from "./scenarios/plan.js";
export { scenarioLabels, LABELS_FRAME, LABEL_SCHEMA } from "./scenarios/labels.js";
export { signalSeries } from "./scenarios/signal-series.js";
export type { SignalSeries } from "./scenarios/signal-series.js";
export type {
  ScenarioPlan,
  ScenarioLabel,
  ScenarioInfo,
  ScenarioMeta,
  InjectionPlan,
  BaselinePlan,
  Host,
  LabelRole,
} from "./scenarios/scenario-types.js";

// SQL over captures and datasets
export { query, withQuery, QuerySession } from "./query/query.js";
export type { QueryView } from "./query/query.js";
export { QueryResult } from "./query/query-result.js";
export type { QueryColumn } from "./query/query-result.js";
export type { QueryCell } from "./query/cells.js";

// fleets: captures of many hosts in one Hive-partitioned dataset
export { writeToDataset } from "./dataset/dataset-write.js";
export { loadDataset, Dataset } from "./dataset/load-dataset.js";
export type { LoadDatasetOptions } from "./dataset/load-dataset.js";
export { findAnomaliesByHost, findAnomaliesAcrossHosts } from "./dataset/fleet-anomalies.js";
export type { FleetReport } from "./dataset/fleet-anomalies.js";
export { datasetHosts, datasetCollectors, isDataset } from "./dataset/layout.js";

// stacks and flame graphs
export { foldStacks, parseFolded, formatFolded, hasStacks, weightColumn, totalWeight } from "./flame/folded.js";
export type { Folded, FoldOptions } from "./flame/folded.js";
export { flameTree, flameDiff } from "./flame/flame-tree.js";
export type { FlameTree, FlameNode } from "./flame/flame-tree.js";
export { flameSvg } from "./flame/flame-svg.js";
export { flameGraph, diffFlameGraph, FlameFigure } from "./plots/flame-graph.js";
export type { FlameGraphOptions, FlameInput } from "./plots/flame-graph.js";
export { Symbolizer } from "./symbols/symbolizer.js";

// collectors written in a cell
export { bpf } from "./cell/cell.js";
export type { CellOptions } from "./cell/cell.js";
export { BpfCompileError, CellVerifierError } from "./cell/cell-errors.js";

// reports and saved figures
export { captureReport, reportSections } from "./report/capture-report.js";
export type { ReportOptions } from "./report/capture-report.js";
export { summaryOf } from "./report/summary.js";
export type { CaptureSummary, SummarySection } from "./report/summary.js";

// notebooks
export * from "./plots/index.js";
