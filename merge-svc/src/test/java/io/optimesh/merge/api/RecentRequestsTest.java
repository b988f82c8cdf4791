package io.optimesh.merge.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class RecentRequestsTest {

    @Test
    void theFirstClaimRunsAndLaterClaimsShareItsAnswer() throws Exception {
        RecentRequests<String, Integer> recent = new RecentRequests<>(10);
        RecentRequests.Claim<String, Integer> first = recent.claim("r1", "merge a b");
        assertThat(first.first()).isTrue();
        RecentRequests.Claim<String, Integer> retry = recent.claim("r1", "merge a b");
        assertThat(retry.first()).isFalse();
        assertThat(retry.request()).isEqualTo("merge a b");
        assertThat(retry.answer()).isNotDone();
        first.answer().complete(42);
        assertThat(retry.answer().get()).isEqualTo(42);
        assertThat(recent.claim("r1", "something else").request()).isEqualTo("merge a b");
    }

    @Test
    void aFailureIsHandedToWaitersAndForgotten() {
        RecentRequests<String, Integer> recent = new RecentRequests<>(10);
        RecentRequests.Claim<String, Integer> first = recent.claim("r1", "q");
        RecentRequests.Claim<String, Integer> waiting = recent.claim("r1", "q");
        recent.fail("r1", first, new IllegalStateException("disk full"));
        assertThatThrownBy(() -> waiting.answer().get()).isInstanceOf(ExecutionException.class).hasRootCauseMessage("disk full");
        assertThat(recent.size()).isZero();
        assertThat(recent.claim("r1", "q").first()).isTrue();
    }

    @Test
    void forgetsTheOldestRequestsBeyondItsCapacity() {
        RecentRequests<String, Integer> recent = new RecentRequests<>(2);
        recent.claim("a", "qa").answer().complete(1);
        recent.claim("b", "qb").answer().complete(2);
        recent.claim("c", "qc").answer().complete(3);
        assertThat(recent.size()).isEqualTo(2);
        assertThat(recent.claim("b", "qb").first()).isFalse();
        assertThat(recent.claim("c", "qc").first()).isFalse();
        assertThat(recent.claim("a", "qa").first()).isTrue();
        assertThatThrownBy(() -> new RecentRequests<String, Integer>(0)).hasMessageContaining("capacity must be positive");
    }

    @Test
    void failingAnEvictedClaimStillReachesItsWaiters() {
        RecentRequests<String, Integer> recent = new RecentRequests<>(1);
        RecentRequests.Claim<String, Integer> first = recent.claim("a", "qa");
        RecentRequests.Claim<String, Integer> waiting = recent.claim("a", "qa");
        recent.claim("b", "qb");
        recent.fail("a", first, new IllegalStateException("boom"));
        assertThat(waiting.answer()).isCompletedExceptionally();
        assertThat(recent.claim("b", "qb").first()).isFalse();
    }
}
