package io.optimesh.trainer.model;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Makes the garbage collector free every unreachable direct buffer, then fills the freed memory
 * with NaN: a tensor still reading such memory then shows it at once, instead of in one run in ten.
 */
final class FreedDirectMemory {

    private FreedDirectMemory() {}

    /** Returns the poisoned buffers; keep them reachable until the check is done. */
    static List<ByteBuffer> reclaimAndPoison() throws InterruptedException {
        for (int round = 0; round < 3; round++) {
            System.gc();
            Thread.sleep(50);
        }
        List<ByteBuffer> poison = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            ByteBuffer buffer = ByteBuffer.allocateDirect(Float.BYTES).order(ByteOrder.nativeOrder());
            buffer.putFloat(0, Float.NaN);
            poison.add(buffer);
        }
        return poison;
    }
}
