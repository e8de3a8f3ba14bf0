/// Where a primitive's peers meet.
public enum Transport: Sendable {
    /// tsyncp's wire format over TCP. The side that accepts peers listens on this address (port 0:
    /// any free port); the other side connects to it.
    case direct(host: String, port: Int)
}
