# R side of `make bench` (tools/bench.py): time one measurement analysis with R psych / lavaan
# on the benchmark survey that tools/bench.py simulated, so that the Python measurement core
# (src/analysis/measure/) is timed beside the R functions it is pinned to, on the same CSV.
#
#     Rscript R/bench_measurement.R --csv build/bench/data/bench_n300.csv \
#         --items build/bench/data/bench_n300_items.tsv --analysis efa --repeat 3 --seed 1 --n-iter 20
#     Rscript R/bench_measurement.R --versions
#
# One analysis per process (tools/bench.py starts a fresh Rscript for each, so that the peak
# memory it reads for the process is that analysis' own). The data are read and the reverse-keyed
# items reverse-scored (lo + hi - x, as the Python side does) before any clock starts; a warm-up
# call on the first rows precedes the timed calls (the Python side does the same), and the time
# reported is the best elapsed time of --repeat calls (proc.time). --analysis import times the
# reading itself.
#
# The analyses, with the R call each Python function matches (src/analysis/measure/*.py docstrings):
#   alpha     psych::alpha per factor                 reliability.alpha + reliability.item_total
#   omega     psych::omega(x, nfactors = 1) per factor reliability.omega_total
#   kmo       psych::KMO                              exploratory.kmo
#   bartlett  psych::cortest.bartlett                 exploratory.bartlett
#   parallel  psych::fa.parallel(fa = "fa", n.iter)   exploratory.parallel_analysis
#   efa       psych::fa(nfactors = k, fm = "minres", rotate = "oblimin")   exploratory.efa
#   cfa       lavaan::cfa + fitMeasures + lavInspect(fit, "std")           confirmatory.cfa
#   all       every call above, in one timed block    suite.measurement_results
# psych and lavaan are called with their defaults otherwise, as an R user calls them; in three places
# the defaults do more than the Python call: fa.parallel also resamples the data (and forks
# getOption("mc.cores", 2) workers), fa computes factor scores, cfa computes standard errors.
#
# Output: tab-separated lines that tools/bench.py parses (bench.parse_r_output):
#   version <TAB> name <TAB> version      R, psych, lavaan, GPArotation, BLAS
#   result  <TAB> analysis <TAB> seconds <TAB> repeats
#   memory  <TAB> data_kib                peak resident memory once the data were read (VmHWM)
# If psych, lavaan or GPArotation cannot be loaded the script prints `missing <TAB> reason`
# and exits with status 3: tools/bench.py then records R as absent and never invents numbers.

args <- commandArgs(trailingOnly = TRUE)
option <- function(name, default = NULL) {
  at <- match(paste0("--", name), args)
  if (is.na(at)) default else args[at + 1]
}

loaded <- tryCatch({
  suppressPackageStartupMessages({
    library(psych)
    library(lavaan)
    library(GPArotation)
  })
  TRUE
}, error = function(e) {
  cat("missing\t", gsub("[\t\n]", " ", conditionMessage(e)), "\n", sep = "")
  FALSE
})
if (!loaded) quit(save = "no", status = 3)

emit <- function(...) cat(paste(..., sep = "\t"), "\n", sep = "")
blas <- tryCatch(extSoftVersion()[["BLAS"]], error = function(e) "")
emit("version", "R", paste(R.version$major, R.version$minor, sep = "."))
for (pkg in c("psych", "lavaan", "GPArotation")) emit("version", pkg, as.character(packageVersion(pkg)))
emit("version", "BLAS", basename(blas))
if ("--versions" %in% args) quit(save = "no", status = 0)

csv <- option("csv")
items_file <- option("items")
analysis <- option("analysis")
repeats <- as.integer(option("repeat", "3"))
seed <- as.integer(option("seed", "1"))
n_iter <- as.integer(option("n-iter", "20"))
warmup_rows <- as.integer(option("warmup", "300"))
known <- c("import", "alpha", "omega", "kmo", "bartlett", "parallel", "efa", "cfa", "all")
if (is.null(csv) || is.null(items_file) || is.null(analysis) || !(analysis %in% known)) {
  cat("usage: Rscript R/bench_measurement.R --csv FILE --items FILE --analysis {",
      paste(known, collapse = ","), "} [--repeat N] [--seed S] [--n-iter N] [--warmup ROWS]\n", sep = "")
  quit(save = "no", status = 2)
}

# Peak resident memory of this process so far, KiB (Linux; NA elsewhere).
peak_kib <- function() {
  status <- tryCatch(readLines("/proc/self/status"), error = function(e) character())
  line <- grep("^VmHWM:", status, value = TRUE)
  if (length(line)) as.numeric(gsub("[^0-9]", "", line)) else NA_real_
}

spec <- read.delim(items_file, stringsAsFactors = FALSE)
constructs <- split(spec$item, factor(spec$construct, levels = unique(spec$construct)))

read_items <- function() {
  x <- read.csv(csv)[, spec$item]
  for (k in which(spec$reverse)) x[[k]] <- spec$lo[k] + spec$hi[k] - x[[k]]
  x
}

# psych prints progress and advice; none of it is part of the work being timed
quietly <- function(f) {
  value <- NULL
  utils::capture.output(value <- suppressWarnings(suppressMessages(f())))
  invisible(value)
}

cfa_syntax <- paste(names(constructs), vapply(constructs, paste, "", collapse = " + "),
                    sep = " =~ ", collapse = "\n")

work <- list(
  alpha = function(x) for (its in constructs) quietly(function() psych::alpha(x[, its])),
  omega = function(x) for (its in constructs) quietly(function() psych::omega(x[, its], nfactors = 1, plot = FALSE)),
  kmo = function(x) quietly(function() psych::KMO(x)),
  bartlett = function(x) quietly(function() psych::cortest.bartlett(x)),
  parallel = function(x) {
    set.seed(seed)
    quietly(function() psych::fa.parallel(x, fa = "fa", n.iter = n_iter, plot = FALSE))
  },
  efa = function(x) quietly(function() psych::fa(x, nfactors = length(constructs), fm = "minres",
                                                  rotate = "oblimin")),
  # fitMeasures and the std.all matrices are what confirmatory.cfa returns besides the estimates;
  # lavInspect(fit, "std") gives them without standardizedSolution's delta-method standard errors,
  # which the Python side does not compute
  cfa = function(x) quietly(function() {
    fit <- lavaan::cfa(cfa_syntax, data = x)
    list(lavaan::fitMeasures(fit), lavaan::lavInspect(fit, "std"))
  })
)
steps <- names(work)
work$all <- function(x) for (step in steps) work[[step]](x)

best <- Inf
if (analysis == "import") {
  for (r in seq_len(repeats)) best <- min(best, system.time(x <- read_items())[["elapsed"]])
} else {
  x <- read_items()
  emit("memory", peak_kib())
  f <- work[[analysis]]
  f(x[seq_len(min(warmup_rows, nrow(x))), ])
  for (r in seq_len(repeats)) best <- min(best, system.time(f(x))[["elapsed"]])
}
emit("result", analysis, format(best, digits = 6), repeats)
