"""`idmesh manifests`: render (and check) a tenant's or the platform's Knative/Istio set, a
tenant's own subscriber Triggers, the Kustomize tree, and the Secret creation commands."""

from __future__ import annotations

import argparse
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "manifests", help="render Knative + Istio manifests for a tenant or the platform"
    )
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--tenant", metavar="SLUG", help="tenant slug (namespace tenant-SLUG)")
    target.add_argument("--platform", action="store_true", help="the shared platform set")
    target.add_argument(
        "--kustomize", metavar="DIR", help="write base + overlays (pooled, dedicated, production)"
    )
    target.add_argument(
        "--secret-commands", action="store_true", help="print the commands creating the Secrets"
    )
    target.add_argument(
        "--print-values", action="store_true", help="print a values file with every default"
    )
    parser.add_argument("--values", metavar="FILE", help="cluster values (docs/deploy.md)")
    parser.add_argument("--tenant-id", metavar="UUID", help="tenant UUID (with --tenant)")
    parser.add_argument(
        "--dedicated",
        nargs="*",
        default=[],
        metavar="FUNCTION",
        help="functions given a tenant-dedicated revision (with --tenant)",
    )
    parser.add_argument(
        "--subscriber", metavar="URL", help="render the tenant's own subscriber Triggers"
    )
    parser.add_argument(
        "--types",
        nargs="+",
        default=["io.idmesh.session.decided.v1"],
        metavar="TYPE",
        help="public event types for --subscriber (docs/events.md)",
    )
    parser.add_argument("--out", metavar="DIR", help="write a YAML file there instead of stdout")
    parser.add_argument("--image-registry", default="ghcr.io/idmesh")
    parser.add_argument("--tag", default="latest")
    parser.add_argument("--namespace", default="idmesh", help="namespace of the functions")
    parser.add_argument(
        "--check",
        action="store_true",
        help="validate against ../shared/crds, Knative's webhook rules and the install checks",
    )
    parser.add_argument(
        "--production", action="store_true", help="with --check: the production install checks"
    )
    parser.set_defaults(func=run)


def _docs(args: argparse.Namespace, values) -> tuple[list, str]:
    from shared.manifests.render import render_platform, render_tenant

    if args.platform:
        return render_platform(values=values), "platform.yaml"
    if args.subscriber:
        from shared.manifests.subscribers import render_subscriber

        return render_subscriber(args.tenant, args.subscriber, args.types), (
            f"subscriber-{args.tenant}.yaml"
        )
    if not args.tenant_id:
        raise ValueError("--tenant needs --tenant-id UUID")
    docs = render_tenant(args.tenant, args.tenant_id, dedicated=args.dedicated, values=values)
    return docs, f"tenant-{args.tenant}.yaml"


def run(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from shared.manifests.render import to_yaml, values_or_defaults, write
    from shared.manifests.values import ClusterValues, example_values

    if args.print_values:
        sys.stdout.write(example_values())
        return 0
    try:
        values = (
            ClusterValues.load(args.values)
            if args.values
            else values_or_defaults(None, args.image_registry, args.tag, args.namespace)
        )
        if args.secret_commands:
            from shared.manifests.secrets import secret_commands

            sys.stdout.write(secret_commands(values.platform_namespace, values.database.pgbouncer))
            return 0
        if args.kustomize:
            from shared.manifests.kustomize import write_tree

            root = write_tree(args.kustomize, values)
            sys.stderr.write(f"wrote base and overlays to {root}\n")
            return 0
        docs, filename = _docs(args, values)
    except (ValueError, ValidationError, OSError) as exc:
        sys.stderr.write(f"{exc}\n")
        return 2
    if args.check:
        from shared.manifests.validate import validate_documents

        report = validate_documents(docs, production=args.production)
        for err in report.errors:
            sys.stderr.write(f"invalid: {err}\n")
        if not report.ok:
            return 1
    if args.out:
        path = write(docs, args.out, filename)
        sys.stderr.write(f"wrote {len(docs)} manifests to {path}\n")
    else:
        sys.stdout.write(to_yaml(docs))
    return 0
