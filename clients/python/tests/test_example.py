"""The fine-tuning example runs against the real store and brings its special rows nearer their goal."""
import contextlib
import io
import os
import sys

from tests.support import StoreTestCase, address, fresh

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples"))

import finetune_special_rows  # noqa: E402  (from examples/, put on the path above)


class ExampleTests(StoreTestCase):
    def test_finetune_special_rows_SmallTable_LossFallsBelowHalf(self):
        with contextlib.redirect_stdout(io.StringIO()):
            before, after = finetune_special_rows.main([
                "--address", address(), "--table", self.table, "--view", fresh("ft"),
                "--near", "@user=good,great", "--near", "<num>=movie", "--steps", "30"])
        self.assertLess(after, before / 2)
