package dev.asgard.proto.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import org.jboss.jandex.ClassInfo;
import org.jboss.jandex.DotName;
import org.jboss.jandex.Index;
import org.jboss.jandex.IndexReader;
import org.junit.jupiter.api.Test;

import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;

import dev.asgard.proto.registry.v1.MutinyRegistryServiceGrpc;
import io.grpc.BindableService;
import io.quarkus.grpc.MutinyClient;
import io.quarkus.grpc.MutinyService;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/**
 * Services use the Mutiny stubs generated here (never their own copies): for every service the
 * Quarkus gRPC generator must have produced the Mutiny stub and service base, the Mutiny service
 * interface with one method per RPC, the client and the delegating bean, and the Jandex index
 * must list them so that consuming applications can inject and implement them.
 */
class GeneratedStubsTest {

    private final List<ServiceDescriptor> services = ProtoSources.descriptors().stream()
            .flatMap(file -> file.getServices().stream()).toList();

    @Test
    void everyServiceHasMutinyStubsWithOneMethodPerRpc() throws ClassNotFoundException {
        List<String> problems = new ArrayList<>();
        for (ServiceDescriptor service : services) {
            String prefix = service.getFile().getOptions().getJavaPackage() + ".";
            String name = service.getName();
            Class<?> implBase = Class.forName(prefix + "Mutiny" + name + "Grpc$" + name + "ImplBase");
            Class<?> stub = Class.forName(prefix + "Mutiny" + name + "Grpc$Mutiny" + name + "Stub");
            Class<?> api = Class.forName(prefix + name);
            Class<?> client = Class.forName(prefix + name + "Client");
            Class<?> bean = Class.forName(prefix + name + "Bean");
            Class.forName(prefix + name + "Grpc");

            check(problems, BindableService.class.isAssignableFrom(implBase) && Modifier.isAbstract(implBase.getModifiers()),
                    implBase.getName() + " must be an abstract BindableService");
            check(problems, api.isInterface() && MutinyService.class.isAssignableFrom(api),
                    api.getName() + " must be an interface extending MutinyService");
            check(problems, api.isAssignableFrom(client) && MutinyClient.class.isAssignableFrom(client),
                    client.getName() + " must implement " + api.getSimpleName() + " and MutinyClient");
            check(problems, implBase.isAssignableFrom(bean), bean.getName() + " must extend " + implBase.getSimpleName());

            for (MethodDescriptor rpc : service.getMethods()) {
                String javaName = Character.toLowerCase(rpc.getName().charAt(0)) + rpc.getName().substring(1);
                Class<?> expectedReturn = rpc.isServerStreaming() ? Multi.class : Uni.class;
                for (Class<?> type : List.of(api, stub, implBase)) {
                    Method method = Arrays.stream(type.getMethods()).filter(m -> m.getName().equals(javaName))
                            .findFirst().orElse(null);
                    if (method == null) {
                        problems.add(type.getName() + " lacks " + javaName + " for rpc " + rpc.getFullName());
                        continue;
                    }
                    check(problems, method.getReturnType() == expectedReturn,
                            type.getName() + "." + javaName + " must return " + expectedReturn.getSimpleName());
                    Class<?> parameter = method.getParameterTypes()[0];
                    check(problems, rpc.isClientStreaming() ? parameter == Multi.class
                            : parameter.getName().equals(service.getFile().getOptions().getJavaPackage() + "."
                                    + rpc.getInputType().getName()),
                            type.getName() + "." + javaName + " takes the wrong parameter " + parameter.getName());
                }
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    @Test
    void jandexIndexListsTheGeneratedStubsForConsumingApplications() throws IOException, URISyntaxException {
        Path classes = Path.of(MutinyRegistryServiceGrpc.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path indexFile = classes.resolve("META-INF/jandex.idx");
        assertTrue(Files.exists(indexFile), "no Jandex index at " + indexFile + ": is jandex-maven-plugin bound?");
        Index index;
        try (InputStream in = Files.newInputStream(indexFile)) {
            index = new IndexReader(in).read();
        }

        Set<String> mutinyServices = index.getKnownDirectSubinterfaces(DotName.createSimple(MutinyService.class))
                .stream().map(ClassInfo::name).map(DotName::toString).collect(Collectors.toSet());
        for (ServiceDescriptor service : services) {
            String prefix = service.getFile().getOptions().getJavaPackage() + ".";
            String name = service.getName();
            assertTrue(mutinyServices.contains(prefix + name), prefix + name + " missing from the index");
            for (String generated : List.of(name + "Client", name + "Bean", "Mutiny" + name + "Grpc",
                    "Mutiny" + name + "Grpc$" + name + "ImplBase", "Mutiny" + name + "Grpc$Mutiny" + name + "Stub",
                    service.getMethods().getFirst().getInputType().getName())) {
                assertTrue(index.getClassByName(DotName.createSimple(prefix + generated)) != null,
                        prefix + generated + " missing from the Jandex index");
            }
        }
        assertEquals(services.size(), mutinyServices.size(), "Mutiny service interfaces in the index: " + mutinyServices);
    }

    private static void check(List<String> problems, boolean condition, String problem) {
        if (!condition) {
            problems.add(problem);
        }
    }
}
