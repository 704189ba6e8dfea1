"""`idmesh manifests`: render (and check) a tenant's or the platform's Knative/Istio set."""

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
    parser.add_argument("--tenant-id", metavar="UUID", help="tenant UUID (with --tenant)")
    parser.add_argument(
        "--dedicated",
        nargs="*",
        default=[],
        metavar="FUNCTION",
        help="functions given a tenant-dedicated revision (with --tenant)",
    )
    parser.add_argument("--out", metavar="DIR", help="write a YAML file there instead of stdout")
    parser.add_argument("--image-registry", default="ghcr.io/idmesh")
    parser.add_argument("--tag", default="latest")
    parser.add_argument("--namespace", default="idmesh", help="namespace of the functions")
    parser.add_argument(
        "--check",
        action="store_true",
        help="validate against ../shared/crds and Knative's webhook rules",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from shared.manifests.render import render_platform, render_tenant, to_yaml, write

    try:
        if args.platform:
            docs = render_platform(args.image_registry, args.tag, args.namespace)
            filename = "platform.yaml"
        else:
            if not args.tenant_id:
                sys.stderr.write("--tenant needs --tenant-id UUID\n")
                return 2
            docs = render_tenant(
                args.tenant,
                args.tenant_id,
                args.namespace,
                args.dedicated,
                args.image_registry,
                args.tag,
            )
            filename = f"tenant-{args.tenant}.yaml"
    except ValueError as exc:
        sys.stderr.write(f"{exc}\n")
        return 2
    if args.check:
        try:
            import celpy  # noqa: F401
            import jsonschema  # noqa: F401
        except ImportError:
            sys.stderr.write(
                "idmesh manifests --check needs jsonschema and cel-python: "
                "pip install 'idmesh[manifests]'\n"
            )
            return 2
        from shared.manifests.validate import validate_documents

        report = validate_documents(docs)
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
