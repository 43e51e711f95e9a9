"""Webhooks to lenders: registered endpoints, signed events, retried deliveries, a delivery log.

Events are written by `outbox` in the transaction of the change they report; `delivery` sends
them (signed by `signing`, to addresses `egress` allows) from the job queue; `endpoints` is the
lender API; `verify` is the receiver's side, for lenders to copy.
"""
