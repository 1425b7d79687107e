"""Indexes that answer counts from their entries alone.

- The period indexes carry the period's other end after the id (`models.ordered_indexes`, `ranges`):
  a count of `reporter` + `period_after` + `period_before` no longer looks up each matching row.
- The cultural initiatives' country links get an index on (country, initiative). Django's own index
  on the many-to-many table's country column holds only the country (and, on PostgreSQL, the row's
  address): a pair's initiatives (the profile's count and latest records, `country=`) then read each
  link row for its initiative id. Django cannot declare an index on an automatic many-to-many table,
  hence plain SQL, which both databases take as written.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cooperation', '0010_row_tally'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='investment',
            name='investment_pair_key_ord_idx',
        ),
        migrations.RemoveIndex(
            model_name='investment',
            name='investment_investor_ord_idx',
        ),
        migrations.RemoveIndex(
            model_name='investment',
            name='investment_recipient_ord_idx',
        ),
        migrations.RemoveIndex(
            model_name='investment',
            name='investment_status_ord_idx',
        ),
        migrations.RemoveIndex(
            model_name='investment',
            name='investment_source_ord_idx',
        ),
        migrations.RemoveIndex(
            model_name='investment',
            name='investment_period_star_id_idx',
        ),
        migrations.RemoveIndex(
            model_name='tradefigure',
            name='trade_pair_key_ord_idx',
        ),
        migrations.RemoveIndex(
            model_name='tradefigure',
            name='trade_reporter_ord_idx',
        ),
        migrations.RemoveIndex(
            model_name='tradefigure',
            name='trade_partner_ord_idx',
        ),
        migrations.RemoveIndex(
            model_name='tradefigure',
            name='trade_flow_ord_idx',
        ),
        migrations.RemoveIndex(
            model_name='tradefigure',
            name='trade_currency_ord_idx',
        ),
        migrations.RemoveIndex(
            model_name='tradefigure',
            name='trade_qualifier_ord_idx',
        ),
        migrations.RemoveIndex(
            model_name='tradefigure',
            name='trade_source_ord_idx',
        ),
        migrations.RemoveIndex(
            model_name='tradefigure',
            name='trade_period_star_id_idx',
        ),
        migrations.RemoveIndex(
            model_name='tradefigure',
            name='trade_period_end_id_idx',
        ),
        migrations.RemoveIndex(
            model_name='tradefigure',
            name='trade_reporte_period_idx',
        ),
        migrations.RemoveIndex(
            model_name='tradefigure',
            name='trade_partner_period_idx',
        ),
        migrations.AddIndex(
            model_name='investment',
            index=models.Index(fields=['pair_key', 'period_start', 'id', 'period_end'], name='investment_pair_key_ord_idx'),
        ),
        migrations.AddIndex(
            model_name='investment',
            index=models.Index(fields=['investor', 'period_start', 'id', 'period_end'], name='investment_investor_ord_idx'),
        ),
        migrations.AddIndex(
            model_name='investment',
            index=models.Index(fields=['recipient', 'period_start', 'id', 'period_end'], name='investment_recipient_ord_idx'),
        ),
        migrations.AddIndex(
            model_name='investment',
            index=models.Index(fields=['status', 'period_start', 'id', 'period_end'], name='investment_status_ord_idx'),
        ),
        migrations.AddIndex(
            model_name='investment',
            index=models.Index(fields=['source', 'period_start', 'id', 'period_end'], name='investment_source_ord_idx'),
        ),
        migrations.AddIndex(
            model_name='investment',
            index=models.Index(fields=['period_start', 'id', 'period_end'], name='investment_period_star_id_idx'),
        ),
        migrations.AddIndex(
            model_name='tradefigure',
            index=models.Index(fields=['pair_key', 'period_start', 'id', 'period_end'], name='trade_pair_key_ord_idx'),
        ),
        migrations.AddIndex(
            model_name='tradefigure',
            index=models.Index(fields=['reporter', 'period_start', 'id', 'period_end'], name='trade_reporter_ord_idx'),
        ),
        migrations.AddIndex(
            model_name='tradefigure',
            index=models.Index(fields=['partner', 'period_start', 'id', 'period_end'], name='trade_partner_ord_idx'),
        ),
        migrations.AddIndex(
            model_name='tradefigure',
            index=models.Index(fields=['flow', 'period_start', 'id', 'period_end'], name='trade_flow_ord_idx'),
        ),
        migrations.AddIndex(
            model_name='tradefigure',
            index=models.Index(fields=['currency', 'period_start', 'id', 'period_end'], name='trade_currency_ord_idx'),
        ),
        migrations.AddIndex(
            model_name='tradefigure',
            index=models.Index(fields=['qualifier', 'period_start', 'id', 'period_end'], name='trade_qualifier_ord_idx'),
        ),
        migrations.AddIndex(
            model_name='tradefigure',
            index=models.Index(fields=['source', 'period_start', 'id', 'period_end'], name='trade_source_ord_idx'),
        ),
        migrations.AddIndex(
            model_name='tradefigure',
            index=models.Index(fields=['period_start', 'id', 'period_end'], name='trade_period_star_id_idx'),
        ),
        migrations.AddIndex(
            model_name='tradefigure',
            index=models.Index(fields=['period_end', 'id', 'period_start'], name='trade_period_end_id_idx'),
        ),
        migrations.AddIndex(
            model_name='tradefigure',
            index=models.Index(fields=['reporter', 'period_end', 'id', 'period_start'], name='trade_reporte_period_idx'),
        ),
        migrations.AddIndex(
            model_name='tradefigure',
            index=models.Index(fields=['partner', 'period_end', 'id', 'period_start'], name='trade_partner_period_idx'),
        ),
        migrations.RunSQL(
            sql="CREATE INDEX initiative_member_country_idx"
            " ON cooperation_culturalinitiative_countries (country_id, culturalinitiative_id)",
            reverse_sql="DROP INDEX initiative_member_country_idx",
        ),
    ]
