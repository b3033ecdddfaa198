// Display and plotting: re-exports only.
export { Figure, PLOTLY_MIME, DEFAULT_CONFIG, toJsonArray } from "./figure.js";
export type { Trace, MimeBundle, PlotlySpec, MimeBundleOptions } from "./figure.js";
export { show, plotlyLibrary, LiveDisplay, inNotebook, mimeBundleOf } from "./display.js";
export type { ShowOptions, LiveDisplayOptions, DisplayContent, MimeRenderable } from "./display.js";
export { tableHtml, tableText, tableBundle, tableSourceOf, frameSource } from "./table-html.js";
export type { TableSource, TableColumn, TableOptions } from "./table-html.js";
export { processTimeline, processHeatmap } from "./timeline.js";
export type { TimelineOptions } from "./timeline.js";
export { processSeries, frameRows, metricName } from "./process-series.js";
export type { ProcessRows, ProcessSeries, ProcessSeriesOptions, ValueScale } from "./process-series.js";
export { topSyscalls, syscallTotals, latencyHistogram, syscallLatencySeries, fmtNs } from "./syscalls.js";
export type { SyscallTotals, TopSyscallsOptions, LatencySeries, LatencyHistogramOptions } from "./syscalls.js";
export {
  scoreTimeline,
  rocCurves,
  prCurves,
  pcaScatter,
  featureContributions,
  windowsFromLabels,
} from "./detection.js";
export type {
  LabelledWindow,
  ScoreSeries,
  ScoreTimelineOptions,
  RocCurve,
  PrCurve,
  CurveOptions,
  PcaScatterOptions,
  ContributionsOptions,
  ExplanationLike,
} from "./detection.js";
export { comparisonFigures } from "./comparison-figures.js";
export type { ComparisonLike } from "./comparison-figures.js";
export { Panel, panel, progressBar } from "./panel.js";
export { captureBundle, captureHeadline, captureWarnings } from "./capture-html.js";
export type { PanelItem } from "./panel.js";
export { ComparisonTable, comparisonTable } from "./comparison-table.js";
export type { ComparisonRow, ComparisonTableOptions } from "./comparison-table.js";
export { plotlyLibraryHtml, plotlyVersion } from "./plotly-html.js";
export { baseLayout, COLORWAY } from "./theme.js";
export { live, liveReplay } from "./live.js";
export type { LiveOptions } from "./live.js";
export { LiveStats, topProcesses } from "./live-stats.js";
export type { LiveRate, LiveProcess, LiveCollectorRow, LiveTickInput } from "./live-stats.js";
export { liveView, liveChart } from "./live-view.js";
export type { LiveState, LiveViewInput } from "./live-view.js";
export { save, renderFigure } from "./save-figure.js";
export type { SaveOptions } from "./save-figure.js";
export { liveText, sparkline } from "./live-text.js";
export type { LiveTextOptions } from "./live-text.js";
export { latencyHeatmap } from "./latency-heatmap.js";
export type { LatencyHeatmapOptions } from "./latency-heatmap.js";
export { latencyDistribution, latencyDistributionText } from "./latency-distribution.js";
export type { LatencyDistributionOptions } from "./latency-distribution.js";
export { histGrid } from "./hist-rows.js";
export type { HistGrid, HistSelection } from "./hist-rows.js";
