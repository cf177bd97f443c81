package dev.asgard.bench;

/**
 * A lock service under test, as the scenarios see it: one {@link Client} per simulated client (its own session,
 * device, lease or connection), each used by one thread at a time.
 */
interface LockSystem extends AutoCloseable {

    /** @return the name in the report */
    String name();

    /**
     * @param index the client number, 0-based
     * @return a client with its own identity
     */
    Client client(int index) throws Exception;

    @Override
    void close();

    /** One client; blocking calls. */
    interface Client extends AutoCloseable {

        /**
         * Takes a lock expected to be free (uncontended scenarios): the cheapest non-waiting path of the system.
         *
         * @return whatever {@link #release} needs
         */
        Object tryLock(String name) throws Exception;

        /** Takes a lock, waiting for it as long as needed (contended scenarios). */
        Object lock(String name) throws Exception;

        void release(String name, Object held) throws Exception;

        @Override
        default void close() {
        }
    }
}
