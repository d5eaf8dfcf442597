import HTTPServing

/// One port, three faces: `/_emulator/...` (admin, never faulted), `/queues/...` (MNS), `/` (RPC).
extension EmulatorCore {
    func route(_ request: HTTPServerRequest) async -> HTTPServerResponse {
        let path = request.path
        if path == "/_emulator" || path.hasPrefix("/_emulator/") { return handleAdmin(request) }
        let isMNS = path.hasPrefix("/queues/")
        guard isMNS || path == "/" else {
            return HTTPServerResponse(status: 404, body: "not an Alibaba endpoint: \(path)\n")
        }
        let (latency, draw) = faults.drawRequestFault()
        if latency > 0 { try? await Task.sleep(for: .milliseconds(latency)) }
        switch draw {
        case .none: break
        case .reset: return .dropConnection
        case .serverError:
            return isMNS
                ? mnsError(MNSFailure(status: 500, code: "InternalError", message: "Internal error (injected)."),
                           request: request)
                : rpcError(RPCFailure(status: 500, code: "InternalError",
                                      message: "The request processing has failed due to some unknown error (injected)."),
                           call: rpcCall(request))
        case .throttle:
            return isMNS
                ? mnsError(MNSFailure(status: 429, code: "QpsLimitExceeded", message: "The QPS limit was exceeded (injected)."),
                           request: request)
                : rpcError(RPCFailure(status: 400, code: "Throttling.User",
                                      message: "Request was denied due to user flow control."),
                           call: rpcCall(request))
        }
        return isMNS ? await handleMNS(request) : handleRPC(request)
    }

    private func rpcCall(_ request: HTTPServerRequest) -> RPCCall {
        let parameters = Self.rpcParameters(request)
        return RPCCall(parameters: parameters, wantsXML: parameters["Format"]?.uppercased() == "XML")
    }
}
