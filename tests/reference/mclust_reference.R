# Reference values from R's mclust for EM Lab's tests (tests/test_mclust_reference.py).
#
# Run from the repository root (Debian: apt-get install -y r-cran-mclust):
#     Rscript tests/reference/mclust_reference.R
# It reads the bundled data sets (gmm_core/datasets/*.csv) and writes
# tests/reference/mclust_reference.json, which is committed. Every number in that file comes
# from this script; the JSON's "meta" says which R and mclust versions, when and how.
#
# What it records, for the 1-D models "E" (equal variance) and "V" (unequal variances):
#  * bic: Mclust(x, G = g, modelNames = m) for g = 1..6 and m = "E", "V", without and with
#    priorControl() (Mclust runs mclustBIC, mclust's hierarchical start)
#    (mclust's sign: BIC = 2 log L - p log N, higher is better; NA -> null when mclust could not
#    fit the model, e.g. "sigma-squared falls below threshold"), at a tight tolerance
#    (emControl(tol = c(1e-12, 1e-12))) so that the fixed point is reached; the fitted
#    parameters of every cell (pro, mean, sigmasq) and its log-likelihood, so a test can start
#    EM Lab's EM from mclust's optimum and compare the criteria at one and the same fixed point.
#  * default_prior_waiting: defaultPrior(waiting, G = g, modelName = "E") for g = 1..6.
#  * bic_default_tol: waiting, E, K = 2 with the prior at mclust's default tolerance (the
#    issue's -2090.49).
#  * lrt: mclustBootstrapLRT(waiting, modelName = "E", maxG = 2) with nboot = 99 (as the issue)
#    and nboot = 999 (a more precise p-value, and its bootstrap statistics of 2 vs 3), set.seed(1).
#  * bootstrap: MclustBootstrap(Mclust(waiting, G = 2, modelNames = "E"/"V"), nboot = 999,
#    type = "bs"), set.seed(1): standard errors (summary(., what = "se")) and 95 % percentile
#    intervals (summary(., what = "ci")).

suppressMessages(library(mclust))
suppressMessages(library(jsonlite))

faithful_csv <- read.csv("gmm_core/datasets/old_faithful.csv")
data_sets <- list(
  old_faithful_waiting = faithful_csv$waiting,
  old_faithful_eruptions = faithful_csv$eruptions,
  galaxies = read.csv("gmm_core/datasets/galaxies.csv")[[1]],
  acidity = read.csv("gmm_core/datasets/acidity.csv")[[1]],
  enzyme = read.csv("gmm_core/datasets/enzyme.csv")[[1]]
)
tight <- emControl(tol = c(1e-12, 1e-12))
models <- c("E", "V")
G <- 1:6

cell <- function(x, g, model, prior) {
  args <- list(x, G = g, modelNames = model, control = tight, verbose = FALSE)
  if (prior) args$prior <- priorControl()
  m <- suppressWarnings(do.call(Mclust, args))
  if (is.null(m) || is.na(m$bic)) return(list(bic = NULL))
  list(
    bic = m$bic,
    loglik = m$loglik,
    pro = as.numeric(m$parameters$pro),
    mean = as.numeric(m$parameters$mean),
    sigmasq = rep_len(as.numeric(m$parameters$variance$sigmasq), g)
  )
}

bic_tables <- list()
for (name in names(data_sets)) {
  x <- data_sets[[name]]
  for (prior in c(FALSE, TRUE)) {
    key <- paste0(name, if (prior) "_prior" else "")
    bic_tables[[key]] <- list()
    for (model in models) {
      bic_tables[[key]][[model]] <- lapply(G, function(g) cell(x, g, model, prior))
    }
  }
}

waiting <- data_sets$old_faithful_waiting
default_tol <- Mclust(waiting, G = 2, modelNames = "E", prior = priorControl(), verbose = FALSE)

lrt <- list()
for (nboot in c(99, 999)) {
  set.seed(1)
  started <- Sys.time()
  test <- mclustBootstrapLRT(waiting, modelName = "E", nboot = nboot, maxG = 2, verbose = FALSE)
  lrt[[paste0("nboot_", nboot)]] <- list(
    nboot = nboot, G = test$G, obs = test$obs, p_value = test$p.value,
    boot_2_vs_3 = if (nboot == 999) as.numeric(test$boot[, 2]) else NULL,
    seconds = as.numeric(difftime(Sys.time(), started, units = "secs"))
  )
}

boot <- list()
for (model in models) {
  fit <- Mclust(waiting, G = 2, modelNames = model, verbose = FALSE)
  set.seed(1)
  b <- MclustBootstrap(fit, nboot = 999, type = "bs", verbose = FALSE)
  se <- summary(b, what = "se")
  ci <- summary(b, what = "ci")
  boot[[model]] <- list(
    nboot = 999, nonfit = b$nonfit,
    pro = as.numeric(fit$parameters$pro), mean = as.numeric(fit$parameters$mean),
    sigmasq = rep_len(as.numeric(fit$parameters$variance$sigmasq), 2),
    se = list(pro = as.numeric(se$pro), mean = as.numeric(se$mean),
              sigmasq = as.numeric(se$variance)),
    ci_low = list(pro = as.numeric(ci$pro[1, ]), mean = as.numeric(ci$mean[1, , ]),
                  sigmasq = as.numeric(ci$variance[1, , ])),
    ci_high = list(pro = as.numeric(ci$pro[2, ]), mean = as.numeric(ci$mean[2, , ]),
                   sigmasq = as.numeric(ci$variance[2, , ]))
  )
}

priors <- lapply(G, function(g) defaultPrior(waiting, G = g, modelName = "E"))

out <- list(
  meta = list(
    generated_by = "Rscript tests/reference/mclust_reference.R (run from the repository root)",
    date_utc = format(Sys.time(), "%Y-%m-%d %H:%M:%S", tz = "UTC"),
    r_version = R.version.string,
    mclust_version = as.character(packageVersion("mclust")),
    sign = "mclust's: BIC = 2 log L - p log N, higher is better (EM Lab shows -BIC)",
    bic_tolerance = "emControl(tol = c(1e-12, 1e-12)) unless said otherwise",
    prior = "priorControl() defaults: shrinkage 0.01, mean = mean(x), dof = 3, scale = var(x)/G^2"
  ),
  G = G,
  default_prior_waiting = priors,
  bic = bic_tables,
  bic_default_tol = list(
    data = "old_faithful_waiting", model = "E", G = 2, prior = TRUE,
    command = "Mclust(waiting, G = 2, modelNames = 'E', prior = priorControl())",
    bic = default_tol$bic, loglik = default_tol$loglik
  ),
  lrt = c(list(data = "old_faithful_waiting", model = "E", maxG = 2, seed = 1,
               command = "set.seed(1); mclustBootstrapLRT(waiting, modelName = 'E', nboot = B, maxG = 2)"),
          lrt),
  bootstrap = c(list(data = "old_faithful_waiting", G = 2, seed = 1,
                     command = "set.seed(1); MclustBootstrap(Mclust(waiting, G = 2, modelNames = M), nboot = 999, type = 'bs')"),
                boot)
)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE, null = "null", na = "null"),
           "tests/reference/mclust_reference.json")
cat("wrote tests/reference/mclust_reference.json\n")
