"""An SMTP server for the collector's tests: Debian's aiosmtpd with STARTTLS required and AUTH required
(one user), storing what it accepts in a maildir. Run with /usr/bin/python3 (Debian's python3-aiosmtpd).

    smtp_tls_server.py --port N --maildir DIR --cert CRT --key KEY --user U --password P

Prints "ready" once it listens; stops on SIGTERM.
"""
import argparse
import signal
import ssl

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import AuthResult, LoginPassword


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--maildir", required=True)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", required=True)
    args = parser.parse_args()

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(args.cert, args.key)

    def authenticate(server, session, envelope, mechanism, auth_data):
        valid = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == args.user.encode()
            and auth_data.password == args.password.encode()
        )
        return AuthResult(success=valid)

    controller = Controller(
        Mailbox(args.maildir),
        hostname="127.0.0.1",
        port=args.port,
        tls_context=context,
        require_starttls=True,
        authenticator=authenticate,
        auth_required=True,
    )
    controller.start()
    print("ready", flush=True)
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    controller.stop()


if __name__ == "__main__":
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    main()
