// Package sshrelay is the server side of terminal assistance: an SSH
// listener where a host (`tandem share`) registers its terminal as a session
// and any number of helpers join it with a stock OpenSSH client, by using the
// session id as their user name.
//
// Unlike a proxy that passes each helper's SSH connection through to the
// host, the relay terminates every SSH connection itself. The host's output
// crosses the network once into a per-session hub, which keeps a model of the
// screen (for late joiners, helpers who fell behind and helpers with smaller
// windows), records every byte, and fans it out to each helper through a
// bounded queue of their own, so that a slow helper never slows the host or
// the others. Helpers' input goes back to the host over the same tunnel,
// without the answers their terminals give to the host program's queries.
//
// The files are split by responsibility: server.go (listener, SSH config,
// lifecycle), host.go (a host's connection, registration, liveness),
// session.go (a session and its hub), helper.go (a helper's SSH
// connection), access.go (who may join), forward.go (ssh -L / -D through the
// host), record.go and audit.go (what is kept),
// http.go and ws.go (the console's API and web terminal), owner.go (leases),
// and, when several nodes serve one installation, peerdial.go (asking the
// node that runs a session to take a helper), peerproxy.go (relaying the
// helper to it) and peerserve.go (taking helpers other nodes pass).
package sshrelay
