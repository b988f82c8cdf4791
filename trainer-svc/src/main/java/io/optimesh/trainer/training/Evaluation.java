package io.optimesh.trainer.training;

/**
 * The model scored on fixed held-out batches.
 *
 * @param afterSteps optimizer steps applied before this evaluation
 * @param loss mean next-token cross-entropy (nats) over every evaluated token
 * @param perplexity exp(loss)
 * @param accuracy fraction of tokens whose arg-max prediction is the actual next token
 * @param tokens tokens evaluated
 */
public record Evaluation(long afterSteps, double loss, double perplexity, double accuracy, long tokens) {}
