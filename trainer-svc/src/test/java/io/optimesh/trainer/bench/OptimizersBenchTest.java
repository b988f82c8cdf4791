package io.optimesh.trainer.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class OptimizersBenchTest {

    @Test
    void aSubsetRunsInTheOrderGivenWithItsSweeps() {
        var chosen = OptimizersBench.chosen("seed-adaptive, adam");
        assertThat(chosen.keySet()).containsExactly("seed-adaptive", "adam");
        assertThat(chosen.get("adam")).containsExactly(1e-3, 3e-3, 1e-2);
        assertThat(OptimizersBench.chosen("sgd,momentum,adagrad,rmsprop,adam,adamw,seed-adaptive")).hasSize(7);
    }

    @Test
    void unknownOrNoNamesAreRefused() {
        assertThatThrownBy(() -> OptimizersBench.chosen("adam,lion"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the optimizers bench has no sweep for 'lion'; it runs sgd, momentum, adagrad, rmsprop,"
                        + " adam, adamw, seed-adaptive");
        assertThatThrownBy(() -> OptimizersBench.chosen(" , "))
                .hasMessage("--optimizers names no optimizer");
    }
}
