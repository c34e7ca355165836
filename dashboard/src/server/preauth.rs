//! The pre-authentication budget: connections that have not yet said a valid hello.
//!
//! Every accepted socket takes a slot until its hello is accepted (or it ends). The budget is
//! small and bounded per address; when it is full the *oldest* unauthenticated connection is
//! dropped to make room, never the newcomer. A flood of silent sockets therefore only pushes
//! out other silent sockets, while a real client, which says hello within milliseconds, gets in.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use tokio_util::sync::CancellationToken;

/// Shared by the accept loop and every connection.
#[derive(Debug)]
pub struct PreAuth {
    budget: usize,
    per_address: usize,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    next: u64,
    /// Admission order: the first entry is the oldest.
    waiting: BTreeMap<u64, (IpAddr, CancellationToken)>,
    per_ip: HashMap<IpAddr, usize>,
}

impl Inner {
    fn remove(&mut self, id: u64) -> Option<CancellationToken> {
        let (ip, evict) = self.waiting.remove(&id)?;
        if let Some(n) = self.per_ip.get_mut(&ip) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.per_ip.remove(&ip);
            }
        }
        Some(evict)
    }
}

/// One connection's place in the budget; dropping it gives the place back.
#[derive(Debug)]
pub struct Slot {
    id: u64,
    evicted: CancellationToken,
    owner: Arc<PreAuth>,
}

impl PreAuth {
    #[must_use]
    pub fn new(budget: usize, per_address: usize) -> Arc<Self> {
        Arc::new(Self {
            budget: budget.max(1),
            per_address: per_address.max(1),
            inner: Mutex::new(Inner::default()),
        })
    }

    /// Admits a new connection from `ip`, evicting the oldest waiting ones as needed.
    pub fn admit(self: &Arc<Self>, ip: IpAddr) -> Slot {
        let evicted = CancellationToken::new();
        let Ok(mut g) = self.inner.lock() else {
            // A poisoned lock means a panic elsewhere; admitting without accounting is safer
            // than refusing everyone.
            return Slot {
                id: u64::MAX,
                evicted,
                owner: Arc::clone(self),
            };
        };
        if g.per_ip.get(&ip).copied().unwrap_or(0) >= self.per_address {
            let oldest = g
                .waiting
                .iter()
                .find(|(_, (i, _))| *i == ip)
                .map(|(id, _)| *id);
            if let Some(token) = oldest.and_then(|id| g.remove(id)) {
                token.cancel();
            }
        }
        while g.waiting.len() >= self.budget {
            let Some(oldest) = g.waiting.keys().next().copied() else {
                break;
            };
            if let Some(token) = g.remove(oldest) {
                token.cancel();
            }
        }
        g.next += 1;
        let id = g.next;
        g.waiting.insert(id, (ip, evicted.clone()));
        *g.per_ip.entry(ip).or_insert(0) += 1;
        Slot {
            id,
            evicted,
            owner: Arc::clone(self),
        }
    }

    /// Connections waiting for their hello now.
    #[must_use]
    pub fn waiting(&self) -> usize {
        self.inner.lock().map_or(0, |g| g.waiting.len())
    }

    fn release(&self, id: u64) {
        if let Ok(mut g) = self.inner.lock() {
            g.remove(id);
        }
    }
}

impl Slot {
    /// The hello was valid: this connection no longer counts, and can no longer be evicted.
    pub fn authenticated(&self) {
        self.owner.release(self.id);
    }

    /// Fires when the budget needed this slot for a newer connection.
    #[must_use]
    pub fn evicted(&self) -> CancellationToken {
        self.evicted.clone()
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.owner.release(self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(n: u8) -> IpAddr {
        IpAddr::from([10, 0, 0, n])
    }

    #[test]
    fn the_oldest_of_an_address_makes_room_for_its_newest() {
        let p = PreAuth::new(100, 2);
        let a = p.admit(ip(1));
        let b = p.admit(ip(1));
        let other = p.admit(ip(2));
        let c = p.admit(ip(1));
        assert!(a.evicted().is_cancelled());
        assert!(!b.evicted().is_cancelled() && !c.evicted().is_cancelled());
        assert!(!other.evicted().is_cancelled());
        assert_eq!(p.waiting(), 3);
    }

    #[test]
    fn a_full_budget_drops_the_oldest_and_authenticated_ones_leave_it() {
        let p = PreAuth::new(2, 10);
        let a = p.admit(ip(1));
        a.authenticated();
        let b = p.admit(ip(2));
        let c = p.admit(ip(3));
        assert!(
            !a.evicted().is_cancelled(),
            "authenticated: no longer counted"
        );
        let d = p.admit(ip(4));
        assert!(b.evicted().is_cancelled());
        assert!(!c.evicted().is_cancelled() && !d.evicted().is_cancelled());
        drop(c);
        assert_eq!(p.waiting(), 1);
    }
}
