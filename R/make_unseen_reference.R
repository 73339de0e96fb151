# Reference values for tests/test_survey_results.py on a second instrument (tests/fixtures/unseen/):
# 12 items, 3 constructs, 1-7 scale, 3 % missing answers written as NA, one reverse-keyed item (T4).
# Regenerate (from the repository root):
#   Rscript R/make_unseen_reference.R
# Made with R 4.2.2, psych 2.2.9, GPArotation 2022.10-2, lavaan 0.6-14, jsonlite 1.8.4 (Debian bookworm).
suppressMessages({library(psych); library(lavaan); library(GPArotation); library(jsonlite)})
d <- read.csv("tests/fixtures/unseen/unseen.csv")
rev <- d; rev$T4 <- 8 - rev$T4            # reliability on reverse-scored items
out <- list(reliability = list(), item_stats = list())
for (c in c("S", "T", "U")) {
  it <- paste0(c, 1:4)
  a <- alpha(rev[, it], check.keys = FALSE, warnings = FALSE)
  o <- suppressWarnings(suppressMessages(omega(rev[, it], nfactors = 1, plot = FALSE)))
  out$reliability[[c]] <- list(alpha = a$total$raw_alpha, alpha_std = a$total$std.alpha, omega_total = o$omega.tot)
  out$item_stats[[c]] <- list(item = it, r_drop = a$item.stats$r.drop, alpha_if_deleted = a$alpha.drop$raw_alpha)
}
k <- KMO(d)
out$kmo <- c(as.list(k$MSAi), overall = k$MSA)
b <- cortest.bartlett(cor(d, use = "pairwise"), n = nrow(d))
out$bartlett <- list(chisq = b$chisq, df = b$df)
f <- fa(d, 3, fm = "ml", rotate = "promax")
L <- unclass(f$loadings)
out$efa <- list(items = rownames(L), loadings = lapply(seq_len(ncol(L)), function(j) unname(L[, j])),
                communality = as.list(f$communality))
m <- "S =~ S1+S2+S3+S4\nT =~ T1+T2+T3+T4\nU =~ U1+U2+U3+U4"
fit <- cfa(m, data = d)
out$cfa <- as.list(fitMeasures(fit, c("chisq", "df", "cfi", "tli", "rmsea", "rmsea.ci.lower", "rmsea.ci.upper",
                                      "srmr")))
set.seed(1)
out$parallel_nfact <- fa.parallel(d, fa = "fa", plot = FALSE)$nfact
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "tests/fixtures/r_reference/unseen_reference.json")
