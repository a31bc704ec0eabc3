"""Tables, views, snapshots, imports, exports and checkpoints (the ``Admin`` service)."""
import os

from embstore._stubs import pb
from embstore.enums import enum_value

UPLOAD_CHUNK_BYTES = 1024 * 1024  # the contract's limit per UploadChunk


class AdminMethods:
    """Mixed into :class:`embstore.Client`; expects ``self._admin``, ``self._metadata``, ``self._timeout``."""

    def create_table(self, name, dim):
        """Creates an empty table of ``dim`` columns (e.g. under views of randomly initialised models)."""
        return self._admin.CreateTable(pb.CreateTableRequest(name=name, dim=dim), **self._unary())

    def list_tables(self):
        return list(self._admin.ListTables(pb.ListTablesRequest(), **self._unary()).tables)

    def describe_table(self, name):
        return self._admin.DescribeTable(pb.DescribeTableRequest(name=name), **self._unary())

    def delete_table(self, name):
        """Deletes a table; returns the number of records removed."""
        return self._admin.DeleteTable(pb.DeleteTableRequest(name=name), **self._unary()).records_removed

    def create_view(self, name, table=None, parent_view=None, mode="overlay", unknown="create", init=None,
                    init_scale=0.0, init_copy_token="", optimizer="adadelta", learning_rate=0.0, seed=0,
                    pad_token="", unk_token=""):
        """Creates a view over ``table`` or over another view ``parent_view`` (exactly one of them).

        ``mode``: static, overlay or fine-tune; ``unknown``: fail, unk or create; ``init``: uniform,
        zeros, normal or copy; ``optimizer``: sgd, adagrad, adadelta or lazy-adam. Numbers of the
        proto enums are accepted too.
        """
        if (table is None) == (parent_view is None):
            raise ValueError("give exactly one of table and parent_view")
        request = pb.CreateViewRequest(
            name=name, mode=enum_value("TrainMode", mode), unknown_policy=enum_value("UnknownPolicy", unknown),
            init=enum_value("InitKind", init), init_scale=init_scale, init_copy_token=init_copy_token,
            optimizer=pb.OptimizerConfig(kind=enum_value("OptimizerKind", optimizer), learning_rate=learning_rate),
            pad_token=pad_token, unk_token=unk_token, seed=seed)
        if table is not None:
            request.table = table
        else:
            request.view = parent_view
        return self._admin.CreateView(request, **self._unary())

    def list_views(self, table=""):
        """Every view, or only those over ``table`` (at any depth)."""
        return list(self._admin.ListViews(pb.ListViewsRequest(table=table), **self._unary()).views)

    def describe_view(self, name):
        return self._admin.DescribeView(pb.DescribeViewRequest(name=name), **self._unary())

    def delete_view(self, name):
        """Deletes a view and its own rows; returns the number of records removed."""
        return self._admin.DeleteView(pb.DeleteViewRequest(name=name), **self._unary()).records_removed

    def create_snapshot(self, view, name):
        """Pins ``view`` as it reads now under ``name`` (a static view); returns its ViewInfo."""
        return self._admin.CreateSnapshot(pb.CreateSnapshotRequest(view=view, name=name), **self._unary())

    def import_file(self, table, path, format="auto", progress=None):
        """Imports a file the server reads from its import folder; ``progress(ImportProgress)`` per update.

        Returns the new table's TableInfo.
        """
        request = pb.ImportFileRequest(table=table, path=path, format=enum_value("VectorFormat", format))
        last = None
        for last in self._admin.ImportFile(request, metadata=self._metadata):
            if progress:
                progress(last)
        if last is None or not last.done:
            raise RuntimeError(f"import of {path} ended without its final message")
        return last.table

    def upload(self, table, local_path, format="auto"):
        """Uploads a local vector file into a new table, 1 MiB per message; returns its TableInfo."""
        def chunks():
            yield pb.UploadChunk(header=pb.UploadHeader(
                table=table, format=enum_value("VectorFormat", format),
                total_bytes=os.path.getsize(local_path), source_name=os.path.basename(local_path)))
            with open(local_path, "rb") as source:
                while data := source.read(UPLOAD_CHUNK_BYTES):
                    yield pb.UploadChunk(data=data)
        return self._admin.UploadFile(chunks(), metadata=self._metadata).table

    def export(self, view, out_path, format="word2vec-binary"):
        """Writes every token ``view`` reads, with its vector, as a word2vec file; returns the row count."""
        rows = 0
        with open(out_path, "wb") as out:
            for chunk in self._admin.Export(pb.ExportRequest(view=view, format=enum_value("VectorFormat", format)),
                                            metadata=self._metadata):
                out.write(chunk.data)
                rows = chunk.rows_done
        return rows

    def checkpoint(self, compact=False):
        """Takes a checkpoint now; returns once it is on disk. ``compact=True`` compacts the store's log first."""
        return self._admin.Checkpoint(pb.CheckpointRequest(compact=compact), metadata=self._metadata)
