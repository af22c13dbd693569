import Foundation
import Logging
import ServiceLifecycle
import Testing

@testable import RoomDaemon

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct ControlServerTests {
    func configuration(_ directory: String, socket: String? = nil) -> RoomDaemonConfiguration {
        RoomDaemonConfiguration(
            socketPath: socket ?? directory + "/roomd.sock", stateDirectory: directory + "/state",
            services: ["chat.example.org"])
    }

    func temporaryDirectory() throws -> String {
        let directory = NSTemporaryDirectory() + "control-server-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test func servesUntilGracefulShutdownThenRemovesItsSocket() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let logger = Logger(label: "control-server-tests")
        let server = try ControlServer.prepare(configuration(directory), logger: logger)
        let group = ServiceGroup(services: [server], logger: logger)
        let path = directory + "/roomd.sock"
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var waited = 0
            while ControlSocketPath.inspect(path) != .liveSocket {
                waited += 1
                try #require(waited < 500, "the socket was never published")
                try await Task.sleep(for: .milliseconds(10))
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(ControlSocketPath.inspect(path) == .nothing)
    }

    /// A failure to publish the socket ends the group with the error the executable maps to its exit code.
    @Test func aSocketThatCannotBeBoundStopsTheGroupWithItsExitCode() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let logger = Logger(label: "control-server-tests")
        let server = try ControlServer.prepare(
            configuration(directory, socket: directory + "/missing/roomd.sock"), logger: logger)
        let group = ServiceGroup(services: [server], logger: logger)
        await #expect {
            try await group.run()
        } throws: { error in
            (error as? StartupError)?.exitCode == 73
        }
    }

    /// With component links in the group, a failure to publish the socket still ends it with that error: the
    /// links stop on the event loop, which is shut down only after the whole group has returned.
    @Test func aSocketThatCannotBeBoundStopsTheComponentLinksToo() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let logger = Logger(label: "control-server-tests")
        var configuration = configuration(directory, socket: directory + "/missing/roomd.sock")
        configuration.components = [
            ComponentConfiguration(domain: "muc.example.org", host: "127.0.0.1", port: 9, secret: "s3cret")
        ]
        let server = try ControlServer.prepare(configuration, logger: logger)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: server)]
        services += server.componentLinks.map { .init(service: $0) }
        // Several times over, on the same event loop: a group that ended must leave the loop running.
        for _ in 0..<3 {
            await #expect {
                try await ServiceGroup(configuration: ServiceGroupConfiguration(services: services, logger: logger)).run()
            } throws: { error in
                (error as? StartupError)?.exitCode == 73
            }
        }
        await server.shutdownEventLoop()
    }

    @Test func aDatabaseThatCannotBeOpenedIsRefusedBeforeAnythingRuns() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory + "/state", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(
            atPath: directory + "/state/roomd.sqlite3", withIntermediateDirectories: true)
        #expect {
            _ = try ControlServer.prepare(configuration(directory), logger: Logger(label: "control-server-tests"))
        } throws: { error in
            (error as? StartupError)?.exitCode == 73
        }
    }
}
