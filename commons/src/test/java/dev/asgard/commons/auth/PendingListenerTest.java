package dev.asgard.commons.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.grpc.ServerCall;

class PendingListenerTest {

    /** Records what it receives; a listener that started late must still see everything, in order. */
    static final class Recorder extends ServerCall.Listener<String> {
        final List<String> events = new ArrayList<>();

        @Override
        public void onMessage(String message) {
            events.add("message:" + message);
        }

        @Override
        public void onHalfClose() {
            events.add("halfClose");
        }

        @Override
        public void onCancel() {
            events.add("cancel");
        }

        @Override
        public void onComplete() {
            events.add("complete");
        }

        @Override
        public void onReady() {
            events.add("ready");
        }
    }

    @Test
    void eventsBeforeStartAreReplayedInOrderAndLaterOnesPassThrough() {
        PendingListener<String> pending = new PendingListener<>();
        Recorder recorder = new Recorder();
        pending.onReady();
        pending.onMessage("a");
        pending.onHalfClose();

        pending.start(recorder);
        assertEquals(List.of("ready", "message:a", "halfClose"), recorder.events);

        pending.onCancel();
        pending.onComplete();
        assertEquals(List.of("ready", "message:a", "halfClose", "cancel", "complete"), recorder.events);
    }

    @Test
    void cancelWhileWaitingReachesTheServiceSoItCanReleaseResources() {
        PendingListener<String> pending = new PendingListener<>();
        Recorder recorder = new Recorder();
        pending.onCancel();
        pending.start(recorder);
        assertEquals(List.of("cancel"), recorder.events);
    }
}
