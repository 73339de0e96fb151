# Reference values from R for the case analyses (analysis.findings.cases), used by tests/test_cases.py.
#
# Run from the repository root:   Rscript R/cases_crosscheck.R
# Needs R >= 4.2 with psych and jsonlite (Debian: r-cran-psych r-cran-jsonlite) and the
# project's Python environment (.venv, or set PYTHON) to write the input data.
#
# Why: the tests must not need R, so this script writes the R results once into
# tests/fixtures/r_reference/cases_reference.json; the tests compare the Python functions
# with them (weighted kappa: Cohen 1968 via psych::cohen.kappa; signed-rank test:
# Wilcoxon 1945 via stats::wilcox.test; t interval via stats::t.test).
#
# Input: tests/fixtures/r_reference/cases_input.json, written by the Python snippet below
# from the simulated cases of the default seed (reviewed projects: self and review scores),
# plus two derived cases that exercise other branches:
#   * "shifted": self − 6.6 points (6.6 is the median difference, so some differences are zero
#     and the p value is moderate);
#   * "first30": the first 30 pairs, where some grade categories are empty (labels must stay fixed).

suppressPackageStartupMessages({
  library(jsonlite)
  library(psych)
})

fixture_dir <- file.path("tests", "fixtures", "r_reference")
input_file <- file.path(fixture_dir, "cases_input.json")
output_file <- file.path(fixture_dir, "cases_reference.json")
python <- Sys.getenv("PYTHON", file.path(".venv", "bin", "python"))

py_code <- '
import json
from analysis.simulate.cases import simulate_cases
tables, truth = simulate_cases(20261127)
p = tables["projects"]
r = p[p["review_score"].notna()]
s, v = r["self_score"].tolist(), r["review_score"].tolist()
cases = {
    "reviewed": {"self": s, "review": v},
    "shifted": {"self": [round(x - 6.6, 1) for x in s], "review": v},
    "first30": {"self": s[:30], "review": v[:30]},
}
payload = {"source": "analysis.simulate.cases.simulate_cases(20261127), reviewed projects", "cases": cases}
with open("tests/fixtures/r_reference/cases_input.json", "w", encoding="utf-8") as fh:
    json.dump(payload, fh, indent=1)
    fh.write("\\n")
'
status <- system2(python, c("-c", shQuote(py_code)))
if (!identical(status, 0L)) stop("the Python step failed; run from the repository root")

input <- fromJSON(input_file, simplifyVector = TRUE)

# Grade codes 1 = 优 ... 4 = 差 by the MoF bands, written independently of the Python code.
grade_code <- function(score) {
  score <- round(score, 6)
  ifelse(score >= 90, 1L, ifelse(score >= 80, 2L, ifelse(score >= 60, 3L, 4L)))
}

linear_w <- 1 - abs(outer(1:4, 1:4, "-")) / 3
quadratic_w <- 1 - abs(outer(1:4, 1:4, "-"))^2 / 9

reference <- lapply(input$cases, function(case) {
  self <- as.numeric(case$self)
  review <- as.numeric(case$review)
  delta <- round(self - review, 10)  # same rounding as inflation_summary(ndigits = 10)
  w_plain <- suppressWarnings(wilcox.test(delta, exact = FALSE, correct = FALSE))
  w_corr <- suppressWarnings(wilcox.test(delta, exact = FALSE, correct = TRUE))
  tt <- t.test(delta, conf.level = 0.95)
  codes <- cbind(grade_code(self), grade_code(review))
  k_lin <- suppressWarnings(cohen.kappa(codes, w = linear_w, levels = 1:4))
  k_quad <- suppressWarnings(cohen.kappa(codes, w = quadratic_w, levels = 1:4))
  list(
    n = length(delta),
    n_zero = sum(delta == 0),
    mean = mean(delta),
    median = median(delta),
    sd = sd(delta),
    t_ci_low = tt$conf.int[1],
    t_ci_high = tt$conf.int[2],
    wilcoxon_v = unname(w_plain$statistic),
    wilcoxon_p = w_plain$p.value,
    wilcoxon_p_correct = w_corr$p.value,
    wilcoxon_log10_p = log10(w_plain$p.value),
    kappa = k_lin$kappa,
    kappa_linear = k_lin$weighted.kappa,
    kappa_quadratic = k_quad$weighted.kappa,
    crosstab = unname(as.vector(table(factor(codes[, 1], levels = 1:4), factor(codes[, 2], levels = 1:4))))
  )
})

out <- list(
  generated_by = "R/cases_crosscheck.R",
  r_version = R.version.string,
  psych_version = as.character(packageVersion("psych")),
  notes = paste(
    "wilcox.test(exact = FALSE) with correct = FALSE (wilcoxon_p) and TRUE (wilcoxon_p_correct);",
    "cohen.kappa with explicit agreement weights 1 - |i-j|/3 and 1 - (i-j)^2/9 and levels = 1:4;",
    "crosstab is the 4 x 4 self (rows) x review (columns) table in column-major order."
  ),
  cases = reference
)
write_json(out, output_file, auto_unbox = TRUE, digits = NA, pretty = TRUE)
cat("wrote", output_file, "\n")
