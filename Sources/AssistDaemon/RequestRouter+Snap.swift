import Foundation
import IPC
import Messages

extension RequestRouter {
    /// `snap`: takes a photo with the camera service and answers like `caption` once the photo
    /// is described (the description is recorded in the journal, as for a watched photo). A
    /// camera failure is a `camera_failed` error whose message is the spoken sentence.
    func snap(_ r: SnapRequest, reply: @escaping @Sendable (ResponseBody) -> Void) {
        guard let capture else {
            return reply(.failure(RemoteError(.cameraFailed, "this assistd has no camera service")))
        }
        let narrator = self.narrator
        capture.snap(speak: r.speak) { outcome in
            switch outcome {
            case .photo(let result, _):
                reply(RequestRouter.answer(result, spoken: r.speak))
            case .captureFailed(let error):
                reply(.failure(RemoteError(.cameraFailed, "\(narrator.text(error.spoken)) (\(error.description))")))
            case .busy:
                reply(.failure(RemoteError(.busy, "assistd is already taking \(CaptureService.maxWaiting + 1) photos; try again later")))
            case .closed:
                reply(.failure(RemoteError(.shuttingDown, "assistd is stopping")))
            }
        }
    }
}
