import NIOCore

/// Runs a task's jobs on one SwiftNIO event loop.
///
/// The ingest writer awaits a database statement after another; each answer arrives on the event loop of
/// the writer's connection. Preferring this executor, the writer resumes right there, instead of waiting for
/// a thread of the shared concurrency pool, busy with the requests that are reading their batches.
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}
