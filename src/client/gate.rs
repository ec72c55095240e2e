//! One create at a time per encounter (Canvas refuses concurrent creates on one
//! encounter, DESIGN §1): a FIFO async lock per key. Waiting is a plain future, so
//! dropping it (an aborted create) leaves the queue without ever holding the slot.
//! Single-threaded by design (`Rc`), like the wasm it runs in.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

#[derive(Default)]
struct Queues {
    next_ticket: u64,
    /// Per key, the waiting tickets; the front one holds the slot.
    by_key: HashMap<String, VecDeque<(u64, Option<Waker>)>>,
}

impl Queues {
    /// Take `ticket` out of `key`'s queue; if it was at the front, wake the new front.
    fn leave(&mut self, key: &str, ticket: u64) {
        let Some(queue) = self.by_key.get_mut(key) else {
            return;
        };
        let was_front = queue.front().is_some_and(|(t, _)| *t == ticket);
        queue.retain(|(t, _)| *t != ticket);
        if queue.is_empty() {
            self.by_key.remove(key);
        } else if was_front {
            if let Some((_, Some(waker))) = queue.front_mut() {
                waker.wake_by_ref();
            }
        }
    }
}

/// Per-key mutual exclusion, first come first served. Clones share the queues.
#[derive(Clone, Default)]
pub struct KeyedGate {
    queues: Rc<RefCell<Queues>>,
}

impl KeyedGate {
    pub fn new() -> Self {
        Self::default()
    }

    /// Wait for `key`'s slot. The slot is held until the returned [`Permit`] is dropped.
    pub fn acquire(&self, key: &str) -> Acquire {
        let mut q = self.queues.borrow_mut();
        let ticket = q.next_ticket;
        q.next_ticket += 1;
        q.by_key
            .entry(key.to_string())
            .or_default()
            .push_back((ticket, None));
        Acquire {
            held: Some(Held {
                gate: self.clone(),
                key: key.to_string(),
                ticket,
            }),
        }
    }

    /// How many creates hold or wait for `key`'s slot.
    pub fn queued(&self, key: &str) -> usize {
        self.queues
            .borrow()
            .by_key
            .get(key)
            .map_or(0, VecDeque::len)
    }
}

/// A place in a key's queue; leaving it (by drop) frees the slot or the place.
struct Held {
    gate: KeyedGate,
    key: String,
    ticket: u64,
}

impl Drop for Held {
    fn drop(&mut self) {
        self.gate.queues.borrow_mut().leave(&self.key, self.ticket);
    }
}

/// Resolves to a [`Permit`] once every earlier holder of the key is done.
pub struct Acquire {
    held: Option<Held>,
}

/// Holding this means no other create on the key is in flight.
pub struct Permit {
    _held: Held,
}

impl Future for Acquire {
    type Output = Permit;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Permit> {
        let Some(held) = self.held.as_ref() else {
            // Polled after completion: never resolves again.
            return Poll::Pending;
        };
        let at_front = {
            let mut q = held.gate.queues.borrow_mut();
            match q.by_key.get_mut(&held.key) {
                Some(queue) => {
                    let front = queue.front().is_some_and(|(t, _)| *t == held.ticket);
                    if !front {
                        if let Some(entry) = queue.iter_mut().find(|(t, _)| *t == held.ticket) {
                            entry.1 = Some(cx.waker().clone());
                        }
                    }
                    front
                }
                None => false,
            }
        };
        match (at_front, self.held.take()) {
            (true, Some(held)) => Poll::Ready(Permit { _held: held }),
            (_, held) => {
                self.held = held;
                Poll::Pending
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::task::Wake;

    struct Count(AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn poll(fut: &mut Acquire, waker: &Waker) -> Option<Permit> {
        match Pin::new(fut).poll(&mut Context::from_waker(waker)) {
            Poll::Ready(p) => Some(p),
            Poll::Pending => None,
        }
    }

    fn counter() -> (Arc<Count>, Waker) {
        let c = Arc::new(Count(AtomicUsize::new(0)));
        (c.clone(), Waker::from(c))
    }

    #[test]
    fn one_holder_per_key_in_arrival_order() {
        let gate = KeyedGate::new();
        let (_, w) = counter();
        let (wakes_b, wb) = counter();
        let (wakes_c, wc) = counter();
        let mut a = gate.acquire("Encounter/1");
        let mut b = gate.acquire("Encounter/1");
        let mut c = gate.acquire("Encounter/1");
        let mut other = gate.acquire("Encounter/2");
        let pa = poll(&mut a, &w).expect("first in line");
        assert!(poll(&mut c, &wc).is_none());
        assert!(poll(&mut b, &wb).is_none());
        assert!(
            poll(&mut other, &w).is_some(),
            "other encounters are independent"
        );
        assert_eq!(gate.queued("Encounter/1"), 3);
        drop(pa);
        assert_eq!(
            wakes_b.0.load(Ordering::SeqCst),
            1,
            "the next in line is woken"
        );
        assert_eq!(wakes_c.0.load(Ordering::SeqCst), 0);
        assert!(poll(&mut c, &wc).is_none(), "c is still behind b");
        let pb = poll(&mut b, &wb).expect("b's turn");
        drop(pb);
        assert_eq!(wakes_c.0.load(Ordering::SeqCst), 1);
        let pc = poll(&mut c, &wc).expect("c's turn");
        drop(pc);
        assert_eq!(gate.queued("Encounter/1"), 0);
    }

    #[test]
    fn giving_up_a_place_passes_the_slot_on() {
        let gate = KeyedGate::new();
        let (_, w) = counter();
        let (wakes_c, wc) = counter();
        let mut a = gate.acquire("e");
        let b = gate.acquire("e");
        let mut c = gate.acquire("e");
        let pa = poll(&mut a, &w).expect("a");
        assert!(poll(&mut c, &wc).is_none());
        drop(b); // aborted while waiting
        assert_eq!(gate.queued("e"), 2);
        drop(pa);
        assert_eq!(wakes_c.0.load(Ordering::SeqCst), 1);
        assert!(poll(&mut c, &wc).is_some());
    }

    #[test]
    fn dropping_a_granted_but_unpolled_wait_frees_the_slot() {
        let gate = KeyedGate::new();
        let (_, w) = counter();
        let (wakes_b, wb) = counter();
        let a = gate.acquire("e"); // at the front, never polled
        let mut b = gate.acquire("e");
        assert!(poll(&mut b, &wb).is_none());
        drop(a);
        assert_eq!(wakes_b.0.load(Ordering::SeqCst), 1);
        assert!(poll(&mut b, &w).is_some());
        drop(b);
        assert_eq!(gate.queued("e"), 0, "no key left behind");
    }
}
