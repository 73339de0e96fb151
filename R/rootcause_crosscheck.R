#!/usr/bin/env Rscript
# Reference values for src/analysis/findings/rootcause.py, computed with R.
#
#   Rscript R/rootcause_crosscheck.R        (run from the repository root)
#
# Writes
#   tests/fixtures/rootcause_synthetic.csv             seeded synthetic data (8 drivers + outcome)
#   tests/fixtures/r_reference/rootcause_synthetic.json
#   tests/fixtures/r_reference/rootcause_swiss.json    datasets::swiss, data embedded
#
# Each JSON holds: OLS coefficients with HC3 standard errors (sandwich::vcovHC,
# type = "HC3") and t tests (lmtest::coeftest), the HC3 Wald F test of all slopes
# (lmtest::waldtest), R^2, adjusted R^2, standardized coefficients, VIFs
# (1 / (1 - R^2_j), by hand: the car package is not in Debian), and the LMG
# (Lindeman, Merenda & Gold 1980) decomposition of R^2.
#
# relaimpo is not packaged for Debian bookworm, so LMG is computed here by brute
# force, independently of the Python code path (which works on the correlation
# matrix): every subset model is fitted with lm(), and
#   LMG_j = sum_{S not containing j} |S|! (p - |S| - 1)! / p! * (R2(S + j) - R2(S)).
# For swiss (5 drivers, 120 orders) LMG is also computed as the plain average over
# all orderings of the R^2 increments, and the script stops if the two differ.
# The Python tests read these files; they never need R.

suppressPackageStartupMessages({
  library(sandwich)
  library(lmtest)
  library(jsonlite)
})

out_dir <- file.path("tests", "fixtures", "r_reference")
dir.create(out_dir, recursive = TRUE, showWarnings = FALSE)

r2_of <- function(data, y, preds) {
  if (length(preds) == 0) return(0)
  summary(lm(reformulate(preds, y), data = data))$r.squared
}

lmg_subsets <- function(data, y, x) {
  p <- length(x)
  r2 <- numeric(2^p)                       # r2[mask + 1], mask = bit set of predictors
  for (mask in 0:(2^p - 1)) {
    preds <- x[bitwAnd(mask, 2^(0:(p - 1))) > 0]
    r2[mask + 1] <- r2_of(data, y, preds)
  }
  lmg <- setNames(numeric(p), x)
  for (j in seq_len(p)) {
    bit <- 2^(j - 1)
    for (mask in 0:(2^p - 1)) {
      if (bitwAnd(mask, bit) > 0) next
      s <- sum(bitwAnd(mask, 2^(0:(p - 1))) > 0)
      w <- factorial(s) * factorial(p - s - 1) / factorial(p)
      lmg[j] <- lmg[j] + w * (r2[mask + bit + 1] - r2[mask + 1])
    }
  }
  lmg
}

permutations <- function(v) {
  if (length(v) <= 1) return(list(v))
  out <- list()
  for (i in seq_along(v)) for (rest in permutations(v[-i])) out[[length(out) + 1]] <- c(v[i], rest)
  out
}

lmg_orderings <- function(data, y, x) {
  perms <- permutations(x)
  acc <- setNames(numeric(length(x)), x)
  for (ord in perms) {
    prev <- 0
    for (k in seq_along(ord)) {
      cur <- r2_of(data, y, ord[1:k])
      acc[ord[k]] <- acc[ord[k]] + cur - prev
      prev <- cur
    }
  }
  acc / length(perms)
}

reference <- function(data, y, x, name, embed_data) {
  fit <- lm(reformulate(x, y), data = data)
  V <- vcovHC(fit, type = "HC3")
  # the same HC3 by hand (MacKinnon & White 1985), as a check on sandwich itself
  X <- model.matrix(fit); e <- residuals(fit); h <- hatvalues(fit)
  bread <- solve(crossprod(X))
  V_hand <- bread %*% crossprod(X * (e / (1 - h))) %*% bread
  stopifnot(max(abs(V - V_hand)) < 1e-10)
  ct <- coeftest(fit, vcov. = V)
  ci <- coefci(fit, vcov. = V, level = 0.95)
  wt <- waldtest(fit, vcov = V, test = "F")
  beta <- coef(fit)[x] * sapply(data[x], sd) / sd(data[[y]])
  vif <- sapply(x, function(v) 1 / (1 - r2_of(data, v, setdiff(x, v))))
  lmg <- lmg_subsets(data, y, x)
  stopifnot(abs(sum(lmg) - summary(fit)$r.squared) < 1e-12)
  res <- list(
    dataset = name,
    generated_by = "R/rootcause_crosscheck.R",
    r_version = R.version.string,
    packages = list(sandwich = as.character(packageVersion("sandwich")),
                    lmtest = as.character(packageVersion("lmtest"))),
    y = y, x = x, n = nrow(data),
    terms = c("const", x),
    b = unname(ct[, 1]), se_hc3 = unname(ct[, 2]), t = unname(ct[, 3]), p = unname(ct[, 4]),
    ci_low = unname(ci[, 1]), ci_high = unname(ci[, 2]),
    beta = unname(beta), vif = unname(vif),
    r2 = summary(fit)$r.squared, adj_r2 = summary(fit)$adj.r.squared,
    F_hc3 = wt$F[2], df_num = -wt$Df[2], df_denom = wt$Res.Df[1], p_F = wt[["Pr(>F)"]][2],
    lmg = as.list(lmg)
  )
  if (length(x) <= 6) {
    lmg_ord <- lmg_orderings(data, y, x)
    stopifnot(max(abs(lmg_ord - lmg)) < 1e-12)
    res$lmg_check <- "subset formula equals the average over all orderings to 1e-12"
  }
  if (embed_data) res$data <- as.list(data[c(y, x)])
  res
}

write_ref <- function(res, file) {
  write_json(res, file, digits = NA, auto_unbox = TRUE, pretty = TRUE)
  cat("wrote", file, "\n")
}

# ---- 1. seeded synthetic data shaped like the survey: 8 correlated drivers ----
RNGkind("Mersenne-Twister", "Inversion", "Rejection")
set.seed(20240607)
n <- 240
drivers <- c("PA", "TG", "MO", "EV", "RA", "OS", "IS", "EX")
g <- rnorm(n)                                              # a common factor: drivers correlate
Z <- sapply(seq_along(drivers), function(j) 0.6 * g + 0.8 * rnorm(n))
Z <- 3 + 0.7 * Z
colnames(Z) <- drivers
w <- c(0.10, 0.05, 0.15, 0.35, 0.45, 0.10, 0.00, 0.05)
err <- rnorm(n) * (0.3 + 0.25 * abs(Z[, "RA"] - 3))        # heteroscedastic on purpose
syn <- data.frame(OUT = 0.5 + drop(Z %*% w) + err, Z)
syn[] <- lapply(syn, function(v) round(v, 4))               # rounded, so the CSV holds the exact data
write.csv(syn, file.path("tests", "fixtures", "rootcause_synthetic.csv"), row.names = FALSE)
write_ref(reference(syn, "OUT", drivers, "synthetic (tests/fixtures/rootcause_synthetic.csv)", FALSE),
          file.path(out_dir, "rootcause_synthetic.json"))

# ---- 2. datasets::swiss (Mosteller & Tukey 1977): real data, 5 predictors ----
sw <- datasets::swiss
names(sw) <- make.names(names(sw))
write_ref(reference(sw, "Fertility", setdiff(names(sw), "Fertility"), "datasets::swiss", TRUE),
          file.path(out_dir, "rootcause_swiss.json"))
