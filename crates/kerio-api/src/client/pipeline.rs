//! Pipelined `Users.get`: many pages of users read over several connections of one session, each
//! connection taking the next read as soon as its answer is in.
//!
//! Reading in rounds (send N, wait for all N, send the next N) made every round as slow as its
//! slowest answer; at 100,000 mailboxes that was 250 rounds. Here each connection is a worker
//! thread with a companion client; the calling thread hands out reads, receives the answers in the
//! order they arrive and passes them to the caller, whose answer may ask for a follow-up read (the
//! next page of a domain).

use super::Client;
use crate::error::Error;
use crate::query::SearchQuery;
use crate::transcript::Exchange;
use crate::types::{ListResult, User};
use std::collections::VecDeque;
use std::sync::mpsc::{self, SyncSender};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

/// One read: the caller's tag, the domain id and the query.
pub type UsersRead<T> = (T, String, SearchQuery);

/// The answer to one read.
pub type UsersAnswer = Result<ListResult<User>, Error>;

/// What the caller makes of an answer: the read it leads to, if any, or an error that stops the
/// reading.
pub type FollowUp<T> = Result<Option<UsersRead<T>>, Error>;

/// What a worker sends back: the read, its answer and the exchanges it recorded.
type Answered<T> = (UsersRead<T>, UsersAnswer, Vec<Exchange>);

/// Reads not handed out yet, and whether the workers should stop once none are left.
struct Pending<T> {
    reads: VecDeque<UsersRead<T>>,
    closed: bool,
}

/// The queue the workers take reads from.
struct Queue<T> {
    pending: Mutex<Pending<T>>,
    ready: Condvar,
}

impl<T> Queue<T> {
    fn new(reads: Vec<UsersRead<T>>) -> Queue<T> {
        Queue {
            pending: Mutex::new(Pending {
                reads: reads.into(),
                closed: false,
            }),
            ready: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Pending<T>> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn push(&self, read: UsersRead<T>) {
        self.lock().reads.push_back(read);
        self.ready.notify_one();
    }

    /// Drops the reads not handed out yet.
    fn clear(&self) {
        self.lock().reads.clear();
    }

    /// No more reads: every worker stops once it is idle.
    fn close(&self) {
        self.lock().closed = true;
        self.ready.notify_all();
    }

    /// The next read, waiting for one; `None` once the queue is closed and empty.
    fn take(&self) -> Option<UsersRead<T>> {
        let mut pending = self.lock();
        loop {
            if let Some(read) = pending.reads.pop_front() {
                return Some(read);
            }
            if pending.closed {
                return None;
            }
            pending = self
                .ready
                .wait(pending)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

/// Closes the queue when a worker ends by panicking, so the others and the caller do not wait
/// for reads that will never come.
struct CloseOnPanic<'q, T>(&'q Queue<T>);

impl<T> Drop for CloseOnPanic<'_, T> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.close();
        }
    }
}

impl Client {
    /// `Users.get` for each of `reads`, and for every read `on_answer` asks for next (it returns
    /// the follow-up, e.g. the domain's next page), with up to [`Client::parallel_reads`] reads in
    /// flight over companions (clients in this session with connections of their own, opened on
    /// first use and kept for later calls). `on_answer` runs on the calling thread, answers in
    /// the order they arrive, and the exchanges join the transcript in that order. An error
    /// `on_answer` returns stops the reading: reads not sent yet are dropped, reads under way
    /// finish, and the error is returned.
    ///
    /// A companion answered "session expired" is asked again here, where the client logs in
    /// again; the companions of the old session are dropped afterwards. A single read (or a width
    /// of one) goes over this client's own connection, one read after the other.
    pub fn users_get_pipelined<T: Send>(
        &mut self,
        reads: Vec<UsersRead<T>>,
        mut on_answer: impl FnMut(T, UsersAnswer) -> FollowUp<T>,
    ) -> Result<(), Error> {
        let width = self.parallel_reads().min(reads.len());
        if width <= 1 {
            return self.users_get_in_turn(reads, on_answer);
        }
        while self.companions.len() < width {
            let companion = self.companion();
            self.companions.push(companion);
        }
        let mut companions = std::mem::take(&mut self.companions);
        let logins = self.logins;
        let outcome = self.pipeline(&mut companions[..width], reads, &mut on_answer);
        if self.logins == logins {
            self.companions = companions;
        }
        outcome
    }

    /// The reads one after the other over this client's connection.
    fn users_get_in_turn<T>(
        &mut self,
        reads: Vec<UsersRead<T>>,
        mut on_answer: impl FnMut(T, UsersAnswer) -> FollowUp<T>,
    ) -> Result<(), Error> {
        let mut reads = VecDeque::from(reads);
        while let Some((tag, domain, query)) = reads.pop_front() {
            let answer = self.users_get(&domain, &query);
            if let Some(next) = on_answer(tag, answer)? {
                reads.push_back(next);
            }
        }
        Ok(())
    }

    /// Runs one worker thread per companion in `workers` and hands out the reads until every
    /// read asked for is answered (or `on_answer` fails).
    fn pipeline<T: Send>(
        &mut self,
        workers: &mut [Client],
        reads: Vec<UsersRead<T>>,
        on_answer: &mut impl FnMut(T, UsersAnswer) -> FollowUp<T>,
    ) -> Result<(), Error> {
        let mut outstanding = reads.len();
        let queue = Queue::new(reads);
        // At most one unread answer per worker: a worker whose answer the caller has not taken
        // yet waits, so a slow caller (storing figures) holds a few pages, not all of them.
        let (sender, answers) = mpsc::sync_channel::<Answered<T>>(workers.len());
        std::thread::scope(|scope| {
            for worker in workers.iter_mut() {
                let (queue, sender) = (&queue, sender.clone());
                scope.spawn(move || work(worker, queue, sender));
            }
            drop(sender);
            let mut outcome = Ok(());
            while outstanding > 0 {
                let Ok(((tag, domain, query), answer, exchanges)) = answers.recv() else {
                    outcome = Err(stopped_read());
                    break;
                };
                outstanding -= 1;
                self.transcript.extend(exchanges);
                let answer = match answer {
                    Err(error) if error.is_session_expired() => self.users_get(&domain, &query),
                    answer => answer,
                };
                match on_answer(tag, answer) {
                    Ok(Some(next)) => {
                        outstanding += 1;
                        queue.push(next);
                    }
                    Ok(None) => {}
                    Err(error) => {
                        queue.clear();
                        outcome = Err(error);
                        break;
                    }
                }
            }
            queue.close();
            for (_, _, exchanges) in answers.iter() {
                self.transcript.extend(exchanges);
            }
            outcome
        })
    }
}

/// A worker: takes reads until the queue closes, sending each answer (and the exchange it
/// recorded) back to the calling thread.
fn work<T>(client: &mut Client, queue: &Queue<T>, answers: SyncSender<Answered<T>>) {
    let _close_on_panic = CloseOnPanic(queue);
    while let Some((tag, domain, query)) = queue.take() {
        let answer = client.users_get(&domain, &query);
        let exchanges = client.take_transcript();
        if answers
            .send(((tag, domain, query), answer, exchanges))
            .is_err()
        {
            return;
        }
    }
}

/// The error of a read whose worker stopped without an answer.
fn stopped_read() -> Error {
    Error::Network {
        detail: "a parallel Users.get stopped without an answer".to_string(),
    }
}
