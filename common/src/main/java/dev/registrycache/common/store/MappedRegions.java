package dev.registrycache.common.store;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.MappedByteBuffer;

/**
 * Unmaps a memory-mapped region right away instead of when the garbage collector gets to it,
 * so that serving a large blob through a window of mappings keeps the process's resident
 * memory bounded. Uses {@code sun.misc.Unsafe.invokeCleaner} (module jdk.unsupported, present in
 * every JDK from 9 on); where it is not available, regions are left to the garbage collector.
 */
public final class MappedRegions {
    private static final Object UNSAFE;
    private static final Method INVOKE_CLEANER;

    static {
        Object unsafe = null;
        Method cleaner = null;
        try {
            Class<?> type = Class.forName("sun.misc.Unsafe");
            Field field = type.getDeclaredField("theUnsafe");
            field.setAccessible(true);
            unsafe = field.get(null);
            cleaner = type.getMethod("invokeCleaner", java.nio.ByteBuffer.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            unsafe = null;
            cleaner = null;
        }
        UNSAFE = unsafe;
        INVOKE_CLEANER = cleaner;
    }

    private MappedRegions() {}

    /** Unmaps {@code region}; it must not be used afterwards. */
    public static void unmap(MappedByteBuffer region) {
        if (INVOKE_CLEANER == null || region == null) {
            return;
        }
        try {
            INVOKE_CLEANER.invoke(UNSAFE, region);
        } catch (ReflectiveOperationException | RuntimeException ignored) {
            // left to the garbage collector
        }
    }
}
