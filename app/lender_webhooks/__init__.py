"""Webhooks to lenders: registered endpoints, signed events, retried deliveries, a delivery log.

Events are written by `outbox` in the transaction of the change they report; `delivery` sends
them (signed by `signing` with the secrets of `secrets`, to addresses `egress` allows) from the
job queue (`tasks`); `endpoints` and `service` are the lender API; `reencrypt` moves secrets to a
new encryption key; `verify` is the receiver's side, for lenders to copy.
"""
