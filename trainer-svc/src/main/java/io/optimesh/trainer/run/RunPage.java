package io.optimesh.trainer.run;

import io.optimesh.v1.Run;
import java.util.List;

/** One page of runs, newest first, and the token of the next page ("" after the last). */
public record RunPage(List<Run> runs, String nextPageToken) {}
