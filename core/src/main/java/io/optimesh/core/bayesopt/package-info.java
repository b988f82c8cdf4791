/**
 * Bayesian optimisation of a noisy black-box function to minimise over a box: a Gaussian process with a
 * Matern-5/2 ARD kernel and noise ({@link io.optimesh.core.bayesopt.GaussianProcess}), its hyper-parameters
 * fitted by maximising the log marginal likelihood ({@link io.optimesh.core.bayesopt.HyperparameterFit}),
 * expected improvement, probability of improvement and a confidence bound combined by GP-Hedge
 * (Hoffman, Brochu and de Freitas 2011), and Sobol, Latin-hypercube, grid and random designs. The ask/tell
 * driver is {@link io.optimesh.core.bayesopt.BayesianOptimizer}. Nothing here knows what is being optimised.
 */
package io.optimesh.core.bayesopt;
